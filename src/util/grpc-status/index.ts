// gRPC status code names (google.rpc.Code) as Istio's fault abort writes them; a name's index is
// its numeric code. A leaf: it imports nothing from the rest of src/.

const NAMES: readonly string[] = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

/** The numeric code of a status name ('UNAVAILABLE' → 14); undefined when it names none. */
export function grpcStatusCode(name: string): number | undefined {
  const code = NAMES.indexOf(name);
  return code === -1 ? undefined : code;
}
