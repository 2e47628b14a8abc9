import Foundation
import GRDB

/// The conversation store could not be opened.
public enum ConversationStoreError: Error, CustomStringConvertible {
    /// The database file's folder does not exist and cannot be created.
    case folderUnavailable(path: String, reason: String)
    /// The file cannot be created, or is not a SQLite database the gateway can use.
    case unusableDatabase(path: String, reason: String)

    /// The database file the gateway tried to open.
    public var path: String {
        switch self {
        case .folderUnavailable(let path, _), .unusableDatabase(let path, _): path
        }
    }

    public var description: String {
        switch self {
        case .folderUnavailable(let path, let reason):
            "cannot create the folder for the conversation store \(path): \(reason). "
                + "Set STATE_DIR to a folder the gateway can create and write."
        case .unusableDatabase(let path, let reason):
            "cannot open the conversation store \(path): \(reason). Check that STATE_DIR is writable; "
                + "if the file is damaged or not the gateway's, move it aside (its conversations are then forgotten)."
        }
    }
}

/// Conversation records in a SQLite database (WAL mode), so a restart continues every live conversation.
///
/// Reads and writes go through GRDB's async API, which runs them off the caller's thread and so never
/// blocks a NIO event loop. A committed `apply` survives a crash of the gateway.
public final class SQLiteConversationStore: ConversationStore {
    let pool: DatabasePool

    /// Opens the database at `path`, creating it and its folder (mode 0700) if missing; the file is mode 0600.
    ///
    /// - Throws: ``ConversationStoreError`` when the folder cannot be created or the file is not a usable database.
    public init(path: String) throws {
        let fileManager = FileManager.default
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try fileManager.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            // Foundation wraps the POSIX cause ("Not a directory", "Permission denied"), which says it best.
            let cause = (error as? CocoaError)?.underlying ?? error
            throw ConversationStoreError.folderUnavailable(path: path, reason: "\(folder): \(cause.localizedDescription)")
        }
        // Created empty with 0600 first, so the database is never readable by others, even briefly.
        if !fileManager.fileExists(atPath: path),
            !fileManager.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        {
            throw ConversationStoreError.unusableDatabase(path: path, reason: "the file cannot be created")
        }

        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // With WAL, NORMAL loses no committed transaction when the process crashes (only on power loss).
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw ConversationStoreError.unusableDatabase(path: path, reason: "\(error)")
        }
        // SQLite gives new -wal/-shm files the database file's mode; fix any that existed before.
        for file in [path, path + "-wal", path + "-shm"] where fileManager.fileExists(atPath: file) {
            try? fileManager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "conversation") { table in
                table.primaryKey("key", .text).notNull()
                table.column("conversationID", .text).notNull()
                table.column("turnCount", .integer).notNull()
                table.column("createdAt", .double).notNull()
                table.column("lastUsedAt", .double).notNull()
                table.column("isAmbiguous", .boolean).notNull().defaults(to: false)
            }
            try db.create(index: "conversation_on_lastUsedAt", on: "conversation", columns: ["lastUsedAt"])
        }
        migrator.registerMigration("v2: tools digest") { db in
            try db.alter(table: "conversation") { table in table.add(column: "toolsDigest", .text) }
        }
        registerResponseTable(in: &migrator)
        migrator.registerMigration("v5: conversation account") { db in
            // Every conversation recorded before there were several accounts is the default account's.
            try db.alter(table: "conversation") { table in table.add(column: "account", .text).notNull().defaults(to: AccountName.default) }
        }
        return migrator
    }

    /// Every saved record, in no particular order.
    public func loadAll() async throws -> [ConversationRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT key, conversationID, turnCount, createdAt, lastUsedAt, isAmbiguous, toolsDigest, account FROM conversation"
            ).map { row in
                // `decode` throws on a malformed row where subscripts would crash.
                try ConversationRecord(
                    key: row.decode(forColumn: "key"),
                    conversationID: row.decode(forColumn: "conversationID"),
                    turnCount: row.decode(forColumn: "turnCount"),
                    createdAt: Date(timeIntervalSince1970: row.decode(forColumn: "createdAt")),
                    lastUsedAt: Date(timeIntervalSince1970: row.decode(forColumn: "lastUsedAt")),
                    isAmbiguous: row.decode(forColumn: "isAmbiguous"),
                    toolsDigest: row.decode(forColumn: "toolsDigest"),
                    account: row.decode(forColumn: "account"))
            }
        }
    }

    /// In one write transaction: deletes the records keyed by `removing`, then inserts or replaces `saving`.
    public func apply(saving: [ConversationRecord], removing: [String]) async throws {
        if saving.isEmpty && removing.isEmpty { return }
        try await pool.write { db in
            let delete = try db.cachedStatement(sql: "DELETE FROM conversation WHERE key = ?")
            for key in removing {
                try delete.execute(arguments: [key])
            }
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO conversation (key, conversationID, turnCount, createdAt, lastUsedAt, isAmbiguous, toolsDigest, account)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(key) DO UPDATE SET conversationID = excluded.conversationID,
                        turnCount = excluded.turnCount, createdAt = excluded.createdAt,
                        lastUsedAt = excluded.lastUsedAt, isAmbiguous = excluded.isAmbiguous,
                        toolsDigest = excluded.toolsDigest, account = excluded.account
                    """)
            for record in saving {
                try upsert.execute(arguments: [
                    record.key, record.conversationID, record.turnCount, record.createdAt.timeIntervalSince1970,
                    record.lastUsedAt.timeIntervalSince1970, record.isAmbiguous, record.toolsDigest, record.account,
                ])
            }
        }
    }
}
