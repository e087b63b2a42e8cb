// Hashes the proxy shares between the router (request hash policies) and the upstream load
// balancers (ring-hash and Maglev placement). Its own folder so both can import it without either
// depending on the other.
export { xxHash64 } from './xxhash64.ts';
