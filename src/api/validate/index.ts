// Validation of loaded documents: structure, CEL rules, semantics and duplicates; and the warnings
// for what Weft accepts but does not honour yet (supportWarnings).
export { supportWarnings } from './support.ts';
export { validateDocument, validateDocuments } from './validate.ts';
