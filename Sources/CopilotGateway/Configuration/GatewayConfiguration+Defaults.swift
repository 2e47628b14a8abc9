extension GatewayConfiguration {
    /// The defaults that code outside the configuration also starts from (route limits, turn settings),
    /// written once.
    public enum Defaults {
        /// `COPILOT_KEEPALIVE_SECONDS`
        public static let keepAliveSeconds = 15
        /// `GATEWAY_SHUTDOWN_GRACE_SECONDS`
        public static let shutdownGraceSeconds = 30
        /// `GATEWAY_BODY_TIMEOUT_SECONDS`
        public static let bodyTimeoutSeconds = 30
        /// `GATEWAY_MAX_BODY_MB`
        public static let maxBodyMB = 8
        /// `COPILOT_QUEUE_SECONDS`
        public static let queueSeconds = 30
        /// `COPILOT_MAX_CONCURRENT`
        public static let maxConcurrentTurns = 4
        /// `COPILOT_SESSION_TTL`
        public static let sessionTTLSeconds = 1800
        /// `COPILOT_MAX_CONVERSATIONS`
        public static let maxConversations = 10_000
        /// `GATEWAY_KEPT_RESPONSES_MB_PER_KEY`
        public static let keptResponsesMBPerKey = 32
        /// `GATEWAY_KEPT_RESPONSES_MB`
        public static let keptResponsesMB = 256

        public static var keepAliveInterval: Duration { .seconds(keepAliveSeconds) }
        public static var shutdownGrace: Duration { .seconds(shutdownGraceSeconds) }
        public static var bodyTimeout: Duration { .seconds(bodyTimeoutSeconds) }
        public static var maxBodySize: Int { maxBodyMB << 20 }
        public static var upstreamQueueWait: Duration { .seconds(queueSeconds) }
        public static var sessionTTL: Duration { .seconds(sessionTTLSeconds) }

    }
}
