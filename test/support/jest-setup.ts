// The SDK's documented switch for its Node.js version warning (@aws-sdk/core emitWarningIfUnsupportedVersion): these
// machines run Node.js 20, the deployed function runs the latest Lambda runtime. Runner child processes inherit it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
