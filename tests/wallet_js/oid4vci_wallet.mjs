// An OpenID4VCI wallet built on Sphereon's client library (@sphereon/oid4vci-client): follows a
// credential offer (pre-authorized code), gets a token, proves possession of a did:key with an
// EdDSA JWT, and prints what it received. Usage: node oid4vci_wallet.mjs <openid-credential-offer://...>
import crypto from 'node:crypto';
import { OpenID4VCIClient } from '@sphereon/oid4vci-client';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const base58 = (bytes) => {
  let number = BigInt('0x' + (Buffer.from(bytes).toString('hex') || '0'));
  let text = '';
  while (number > 0n) { text = ALPHABET[Number(number % 58n)] + text; number /= 58n; }
  for (const byte of bytes) { if (byte === 0) text = '1' + text; else break; }
  return text;
};
const b64url = (data) => Buffer.from(data).toString('base64url');

const [offerUri] = process.argv.slice(2);
const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
const fingerprint = 'z' + base58(Buffer.concat([Buffer.from([0xed, 0x01]), raw]));
const did = `did:key:${fingerprint}`;
const kid = `${did}#${fingerprint}`;

const signCallback = async (args) => {
  const header = { ...args.header, alg: 'EdDSA', kid };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(args.payload))}`;
  return `${input}.${b64url(crypto.sign(null, Buffer.from(input), privateKey))}`;
};

const client = await OpenID4VCIClient.fromURI({ uri: offerUri, kid, alg: 'EdDSA', retrieveServerMetadata: true, resolveOfferUri: true });
await client.acquireAccessToken();
const response = await client.acquireCredentials({
  credentialTypes: ['VerifiableCredential', 'OpenBadgeCredential'],
  context: ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
  format: 'ldp_vc',
  proofCallbacks: { signCallback },
  kid,
  alg: 'EdDSA',
});
console.log(JSON.stringify({ did, version: client.version(), response }));
