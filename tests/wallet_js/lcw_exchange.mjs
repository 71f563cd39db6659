import * as vc from '@digitalcredentials/vc';
import { Ed25519Signature2020 } from '@digitalcredentials/ed25519-signature-2020';
import { Ed25519VerificationKey2020 } from '@digitalcredentials/ed25519-verification-key-2020';
import { securityLoader } from '@digitalcredentials/security-document-loader';

const [exchangeUrl] = process.argv.slice(2);
const key = await Ed25519VerificationKey2020.generate();
const did = `did:key:${key.fingerprint()}`;
key.controller = did;
key.id = `${did}#${key.fingerprint()}`;
const suite = new Ed25519Signature2020({ key });
const documentLoader = securityLoader({ fetchRemoteContexts: false }).build();

const post = async (url, body) => {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
};
const first = await post(exchangeUrl, {});
const { challenge, domain, interact } = first.body.verifiablePresentationRequest;
const presentation = vc.createPresentation({ holder: did });
const signed = await vc.signPresentation({ presentation, challenge, domain, suite, documentLoader });
const answer = await post(interact?.service[0]?.serviceEndpoint ?? exchangeUrl, { verifiablePresentation: signed });
console.log(JSON.stringify({ did, presentation: signed, status: answer.status, body: answer.body }));
