export { type AgentOptions, AgentPool } from './agents.js';
export {
  BadRequest,
  HeadersTooLarge,
  NoRoute,
  NoVersion,
  problemBody,
  RequestTimeout,
  UpstreamTimeout,
  UpstreamUnavailable,
} from './errors.js';
export { CLIENT_CLOSED, type ForwardDeps, type ForwardResult, forward } from './forward.js';
export { createRequestHandler, createUpgradeHandler, handleClientError, type ProxyDeps } from './handler.js';
export { ambiguousFraming, endToEnd, upstreamRequestHeaders } from './headers.js';
export { Mirror, type MirrorDeps } from './mirror.js';
export { parseCookies, type Selection, selectVersion } from './select.js';
