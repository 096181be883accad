export { decodeBase64Url, encodeBase64Url } from './base64url';
export { Ed25519Verifier, isSmallOrder, signingKeyFromSeed, type PublicKey, type SigningKey } from './ed25519';
