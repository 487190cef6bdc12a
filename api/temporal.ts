import { Client, Connection } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';

export async function connectTemporalClient(address: string, namespace: string, codec: PayloadCodec): Promise<Client> {
  const connection = await Connection.connect({ address });
  return new Client({ connection, namespace, dataConverter: { payloadCodecs: [codec] } });
}
