// The rule lives with the configuration, which applies it first; the API applies the same one.
export { headerProblem, MAX_HEADERS } from '../config/endpoint-headers.ts';
