import Foundation
import GRDB

/// Stored responses in the same database as the conversations (table `response`).
extension SQLiteConversationStore: ResponseStore {
    public func save(_ response: StoredResponse) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO response (id, caller, createdAt, usedAt, previous, record, body, bytes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    response.id, response.caller, response.createdAt.timeIntervalSince1970, response.usedAt.timeIntervalSince1970,
                    response.previousID, response.record, response.body, response.bytes,
                ])
        }
    }

    public func response(id: String, withBody: Bool) async throws -> StoredResponse? {
        try await pool.read { db in
            let body = withBody ? "body" : "NULL AS body"
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT id, caller, createdAt, usedAt, previous, record, \(body) FROM response WHERE id = ?", arguments: [id])
            else { return nil }
            return try StoredResponse(
                id: row.decode(forColumn: "id"), caller: row.decode(forColumn: "caller"),
                createdAt: Date(timeIntervalSince1970: row.decode(forColumn: "createdAt")),
                usedAt: Date(timeIntervalSince1970: row.decode(forColumn: "usedAt")), previousID: row.decode(forColumn: "previous"),
                record: row.decode(forColumn: "record"), body: row.decode(forColumn: "body"))
        }
    }

    public func deleteResponse(id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM response WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    public func touch(_ ids: [String], at date: Date) async throws {
        try await pool.write { db in
            for id in ids {
                try db.execute(sql: "UPDATE response SET usedAt = ? WHERE id = ?", arguments: [date.timeIntervalSince1970, id])
            }
        }
    }

    public func prune(before date: Date, keepingAtMost count: Int) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM response WHERE usedAt < ?", arguments: [date.timeIntervalSince1970])
            try db.execute(
                sql: "DELETE FROM response WHERE id IN (SELECT id FROM response ORDER BY usedAt DESC LIMIT -1 OFFSET ?)", arguments: [max(0, count)])
        }
    }

    public func prune(before date: Date, limits: KeptLimits) async throws {
        try await prune(before: date, keepingAtMost: limits.count)
        try await pool.write { db in
            // Sums without ordering first: the ordered running totals only when a limit is passed.
            let over = try Bool.fetchOne(
                db,
                sql: """
                    SELECT (SELECT COALESCE(SUM(bytes), 0) FROM response) > ?
                        OR EXISTS (SELECT 1 FROM response GROUP BY caller HAVING SUM(bytes) > ?)
                    """,
                arguments: [limits.bytes, limits.bytesPerCaller]) ?? false
            guard over else { return }
            // Running totals in the order the limits keep responses (most recently used first): a
            // response is forgotten once its caller's bytes pass their limit, then, among those left,
            // once all bytes or the count pass theirs.
            let order = "ORDER BY usedAt DESC, createdAt DESC, id DESC"
            try db.execute(
                sql: """
                    DELETE FROM response WHERE id IN (
                        SELECT id FROM (SELECT id, SUM(bytes) OVER (PARTITION BY caller \(order)) AS callerBytes FROM response)
                        WHERE callerBytes > ?)
                    """,
                arguments: [limits.bytesPerCaller])
            try db.execute(
                sql: """
                    DELETE FROM response WHERE id IN (
                        SELECT id FROM (SELECT id, SUM(bytes) OVER (\(order)) AS allBytes, ROW_NUMBER() OVER (\(order)) AS place FROM response)
                        WHERE allBytes > ? OR place > ?)
                    """,
                arguments: [limits.bytes, limits.count])
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
        // Bodies apart from records (served as they are), a link to the response continued instead of
        // a copy of its conversation, the bytes each holds, and the last use. Records of v3 keep their
        // bodies inside (`body` NULL) and are read as they are.
        migrator.registerMigration("v4: response bodies, links and sizes") { db in
            try db.alter(table: "response") { table in
                table.add(column: "usedAt", .double).notNull().defaults(to: 0)
                table.add(column: "previous", .text)
                table.add(column: "body", .blob)
                table.add(column: "bytes", .integer).notNull().defaults(to: 0)
            }
            try db.execute(sql: "UPDATE response SET usedAt = createdAt, bytes = length(record)")
            try db.create(index: "response_on_usedAt", on: "response", columns: ["usedAt"])
            // Covers the byte sums, per caller and in all, without reading the rows and their blobs.
            try db.create(index: "response_on_caller_bytes", on: "response", columns: ["caller", "bytes"])
        }
    }
}
