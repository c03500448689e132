// The error body every route answers with is part of the capture protocol (workers/protocol).
export { ErrorBodySchema } from '../../workers/protocol/index.ts';
