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
  type ForwardEdits,
  forwardResponseHead,
  SentHead,
  type ServerHeaderTransformation,
} from './response-forward.ts';
export {
  parseResponseHead,
  type ResponseHead,
  type ResponseParse,
  responseHasNoBody,
} from './response-head.ts';
export {
  httpDate,
  reasonPhrase,
  requestHeadText,
  serializeResponseHead,
} from './serialize.ts';
