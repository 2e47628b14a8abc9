import Foundation

/// Writes a file whole or not at all, readable by its owner only: a temporary file (mode 0600) beside
/// it, written, flushed to disk and then put in place, so a crash or a full disk never leaves half a file.
enum AtomicFile {
    /// Writes `data` to `path`, replacing what was there; on failure `path` is as it was.
    static func write(_ data: Data, to path: String) throws(AtomicFileError) {
        let temporary = try writeTemporary(data, beside: path)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw AtomicFileError(reason: reason)
        }
    }

    /// Writes `data` to `path` only if there is no file there yet (two processes racing to create it
    /// leave one file, whole); false when there was one.
    static func create(_ data: Data, at path: String) throws(AtomicFileError) -> Bool {
        let temporary = try writeTemporary(data, beside: path)
        defer { unlink(temporary) }
        guard link(temporary, path) == 0 else {
            switch errno {
            case EEXIST: return false
            // A file system without hard links (SMB, FAT, some FUSE mounts): created exclusively instead.
            case EPERM, ENOTSUP, EXDEV: return try createExclusively(data, at: path)
            default: throw AtomicFileError(reason: String(cString: strerror(errno)))
            }
        }
        return true
    }

    private static func createExclusively(_ data: Data, at path: String) throws(AtomicFileError) -> Bool {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { return false }
            throw AtomicFileError(reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        guard writeAll(data, to: descriptor), fsync(descriptor) == 0 else {
            unlink(path)
            throw AtomicFileError(reason: String(cString: strerror(errno)))
        }
        return true
    }

    private static func writeTemporary(_ data: Data, beside path: String) throws(AtomicFileError) -> String {
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw AtomicFileError(reason: String(cString: strerror(errno))) }
        let written = writeAll(data, to: descriptor)
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written, synced else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw AtomicFileError(reason: reason)
        }
        return temporary
    }

    /// Writes all of `data`, however many calls it takes; false on an error.
    private static func writeAll(_ data: Data, to descriptor: Int32) -> Bool {
        data.withUnsafeBytes { buffer -> Bool in
            guard let base = buffer.baseAddress else { return buffer.isEmpty }
            var offset = 0
            while offset < buffer.count {
                let result = Foundation.write(descriptor, base.advanced(by: offset), buffer.count - offset)
                if result <= 0 { return false }
                offset += result
            }
            return true
        }
    }
}

/// Why a file could not be written.
struct AtomicFileError: Error, Equatable, CustomStringConvertible {
    var reason: String

    var description: String { "the file could not be written: \(reason)" }
}
