import Foundation
import GRDB

/// Stored responses in the same database as the conversations (table `response`).
extension SQLiteConversationStore: ResponseStore {
    public func save(_ response: StoredResponse) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO response (id, caller, createdAt, record) VALUES (?, ?, ?, ?)",
                arguments: [response.id, response.caller, response.createdAt.timeIntervalSince1970, response.payload])
        }
    }

    public func response(id: String) async throws -> StoredResponse? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, caller, createdAt, record FROM response WHERE id = ?", arguments: [id]) else {
                return nil
            }
            return try StoredResponse(
                id: row.decode(forColumn: "id"), caller: row.decode(forColumn: "caller"),
                createdAt: Date(timeIntervalSince1970: row.decode(forColumn: "createdAt")), payload: row.decode(forColumn: "record"))
        }
    }

    public func deleteResponse(id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM response WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    public func prune(before date: Date, keepingAtMost limit: Int) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM response WHERE createdAt < ?", arguments: [date.timeIntervalSince1970])
            try db.execute(
                sql: "DELETE FROM response WHERE id IN (SELECT id FROM response ORDER BY createdAt DESC LIMIT -1 OFFSET ?)", arguments: [max(0, limit)])
        }
    }

    static func registerResponseTable(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3: responses") { db in
            try db.create(table: "response") { table in
                table.primaryKey("id", .text).notNull()
                table.column("caller", .text).notNull()
                table.column("createdAt", .double).notNull()
                table.column("record", .blob).notNull()
            }
            try db.create(index: "response_on_createdAt", on: "response", columns: ["createdAt"])
        }
    }
}
