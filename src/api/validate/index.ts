// Validation of loaded documents: structure, CEL rules, semantics and duplicates.
export { validateDocument, validateDocuments } from './validate.ts';
