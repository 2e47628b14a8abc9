import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotSimulator

let testClientID = "11111111-2222-3333-4444-555555555555"
let testTenant = "aaaabbbb-cccc-4ddd-8eee-ffff00001111"
let graphScopes = "https://graph.microsoft.com/Mail.Read https://graph.microsoft.com/Chat.Read offline_access openid profile"
let deviceCodeGrantType = "urn:ietf:params:oauth:grant-type:device_code"

/// A urlencoded form body.
func formBody(_ fields: [(String, String)]) -> ByteBuffer {
    let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
    func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text }
    return ByteBuffer(string: fields.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&"))
}

/// The decoded JSON of one part of a JWT (base64url, no padding).
func jwtPart(_ token: String, _ index: Int) -> SimulatorJSON? {
    let parts = token.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 3 else { return nil }
    var text = parts[index].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while text.count % 4 != 0 { text += "=" }
    return Data(base64Encoded: text).flatMap { SimulatorJSON.parse($0) }
}

/// Checks the complete Entra error shape and returns the body.
@discardableResult
func expectEntraError(
    _ response: TestResponse, _ error: String, code: Int, status: Int = 400,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> SimulatorJSON {
    #expect(response.status.code == status, "\(response.text)", sourceLocation: sourceLocation)
    let body = try #require(response.json, sourceLocation: sourceLocation)
    #expect(body["error"] == .string(error), "\(response.text)", sourceLocation: sourceLocation)
    #expect(body["error_codes"] == [.number(Double(code))], sourceLocation: sourceLocation)
    let description = body["error_description"]?.stringValue ?? ""
    #expect(description.hasPrefix("AADSTS\(code): "), sourceLocation: sourceLocation)
    #expect(description.contains("\r\nTrace ID: "), sourceLocation: sourceLocation)
    return body
}

extension TestClientProtocol {
    func postForm(_ path: String, _ fields: [(String, String)], headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await execute(uri: path, method: .post, headers: headers, body: formBody(fields))
    }

    /// `POST /{tenant}/oauth2/v2.0/devicecode`; returns the parsed 200 body.
    func requestDeviceCode(
        scope: String = graphScopes, clientID: String = testClientID, tenant: String = testTenant
    ) async throws -> (deviceCode: String, userCode: String, body: SimulatorJSON) {
        let response = try await postForm("/\(tenant)/oauth2/v2.0/devicecode", [("client_id", clientID), ("scope", scope)])
        try #require(response.status == .ok, "\(response.text)")
        let body = try #require(response.json)
        return (
            try #require(body["device_code"]?.stringValue), try #require(body["user_code"]?.stringValue), body
        )
    }

    func pollDeviceCode(
        _ deviceCode: String, clientID: String = testClientID, tenant: String = testTenant, headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        try await postForm(
            "/\(tenant)/oauth2/v2.0/token",
            [("grant_type", deviceCodeGrantType), ("client_id", clientID), ("device_code", deviceCode)],
            headers: headers)
    }

    func refresh(
        _ refreshToken: String, scope: String? = nil, clientID: String = testClientID, tenant: String = testTenant
    ) async throws -> TestResponse {
        var fields = [("client_id", clientID), ("grant_type", "refresh_token"), ("refresh_token", refreshToken)]
        if let scope { fields.append(("scope", scope)) }
        return try await postForm("/\(tenant)/oauth2/v2.0/token", fields)
    }

    func simControl(_ path: String, _ json: String) async throws -> TestResponse {
        try await execute(uri: path, method: .post, body: ByteBuffer(string: json))
    }

    /// Device code, approval through the control endpoint, one poll: the token response body.
    func signIn(scope: String = graphScopes, tenant: String = testTenant) async throws -> SimulatorJSON {
        let code = try await requestDeviceCode(scope: scope, tenant: tenant)
        let approval = try await simControl("/_sim/devicecode/approve", #"{"userCode":"\#(code.userCode)"}"#)
        try #require(approval.status == .ok, "\(approval.text)")
        let response = try await pollDeviceCode(code.deviceCode, tenant: tenant)
        try #require(response.status == .ok, "\(response.text)")
        return try #require(response.json)
    }
}
