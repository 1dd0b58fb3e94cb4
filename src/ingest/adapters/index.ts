import { AdapterError, type SourceAdapter } from './adapter';
import { salesforceAdapter } from './salesforce/salesforce.adapter';
import { hubspotAdapter } from './hubspot/hubspot.adapter';
import { mailchimpAdapter } from './mailchimp/mailchimp.adapter';
import { sendgridAdapter } from './sendgrid/sendgrid.adapter';
import { marketoAdapter } from './marketo/marketo.adapter';
import { dynamicsAdapter } from './dynamics/dynamics.adapter';

/** Every shipped adapter by key; each lives in `src/ingest/adapters/<vendor>/` with the same file names. */
const ADAPTERS: readonly SourceAdapter[] = [
  salesforceAdapter,
  hubspotAdapter,
  mailchimpAdapter,
  sendgridAdapter,
  marketoAdapter,
  dynamicsAdapter,
];

const BY_KEY = new Map(ADAPTERS.map((adapter) => [adapter.key, adapter]));

export function adapterKeys(): string[] {
  return [...BY_KEY.keys()];
}

/** The adapter behind `/webhooks/<key>`; an unknown key is a coded error, never a fall-through. */
export function getAdapter(key: string): SourceAdapter {
  const adapter = BY_KEY.get(key);
  if (!adapter) {
    throw new AdapterError(
      'UNKNOWN_ADAPTER',
      `no webhook adapter "${key.slice(0, 40)}"; known: ${adapterKeys().join(', ')}`,
    );
  }
  return adapter;
}
