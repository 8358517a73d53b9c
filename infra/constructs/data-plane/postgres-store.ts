import { Construct } from 'constructs';
import { InClusterStoreSpec } from '../../environment/environment-schema';
import { SECRETS } from '../agents/secret-names';
import { DataStore } from './data-store';

export const POSTGRES_PORT = 5432;

/** PostgreSQL with its superuser password from a Secret. */
export function postgresStore(scope: Construct, namespace: string, spec: InClusterStoreSpec): DataStore {
  return new DataStore(scope, 'postgres', {
    namespace,
    name: 'postgres',
    spec,
    port: POSTGRES_PORT,
    uid: 999,
    dataPath: '/var/lib/postgresql/data',
    password: SECRETS.postgres,
    passwordEnv: 'POSTGRES_PASSWORD',
    // A subdirectory: the volume's root holds lost+found, which initdb refuses.
    env: { PGDATA: '/var/lib/postgresql/data/pgdata', POSTGRES_DB: 'agent_hive' },
    scratch: [
      { name: 'run', mountPath: '/var/run/postgresql', sizeLimit: '16Mi' },
      { name: 'tmp', mountPath: '/tmp', sizeLimit: '256Mi' },
    ],
    readinessCommand: ['pg_isready', '-U', 'postgres', '-h', '127.0.0.1'],
  });
}
