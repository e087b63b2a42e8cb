// Our own HTTP/1.1 codec: head parsers, body framing and serialisers. Pure functions and small
// state machines over Buffers; sockets are the connection manager's business.
export {
  BodyDecoder,
  type BodyMode,
  type ByteSink,
  headWithBody,
  hexValue,
  writeChunk,
  writeLastChunk,
} from './body.ts';
export { removeHopByHop } from './hop-by-hop.ts';
export {
  findHeadEnd,
  type HeadError,
  type HeadParse,
  isFieldValue,
  isToken,
  parseDecimal,
  parseRequestHead,
  type RequestHead,
} from './request-head.ts';
export {
  BODY_WITH_HEAD_MAX,
  type ForwardEdits,
  forwardResponseHead,
  SentHead,
} from './response-forward.ts';
export {
  type ForwardPlan,
  parseResponseHead,
  type ResponseHead,
  type ResponseParse,
  responseHasNoBody,
  type ServerHeaderTransformation,
} from './response-head.ts';
export {
  httpDate,
  reasonPhrase,
  requestHeadText,
  serializeResponseHead,
} from './serialize.ts';
