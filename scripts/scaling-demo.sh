#!/usr/bin/env bash
# Shows on one machine what docs/scaling.md describes: a PostgreSQL streaming replica serving reads,
# and BullMQ running on a six-node Redis Cluster with a hash-tagged prefix. Cleans up after itself.
# Needs: the local PostgreSQL cluster (trust auth on 127.0.0.1), redis-server and redis-cli.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/ataa-scaling.XXXXXX)
chmod 755 "$work"
pgbin=/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -V | tail -1)/bin
redis_pids=()

cleanup() {
  if [ -f "$work/replica/postmaster.pid" ]; then su postgres -c "$pgbin/pg_ctl -D $work/replica -m fast stop" >/dev/null 2>&1 || true; fi
  for pid in "${redis_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  psql -h 127.0.0.1 -U postgres -qc "DROP TABLE IF EXISTS ataa_scaling_demo" >/dev/null 2>&1 || true
  psql -h 127.0.0.1 -U postgres -qc "SELECT pg_drop_replication_slot('ataa_demo')" >/dev/null 2>&1 || true
  if [ "${added_hba:-0}" = 1 ]; then sed -i '/# ataa-scaling-demo$/d' "$hba"; psql -h 127.0.0.1 -U postgres -qc 'SELECT pg_reload_conf()' >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== PostgreSQL streaming replica on 127.0.0.1:5433"
hba=$(psql -h 127.0.0.1 -U postgres -tAc 'SHOW hba_file')
if ! grep -qE '^host[[:space:]]+replication' "$hba"; then
  # Allow local replication for the demo only; the line is removed again on exit.
  echo 'host replication postgres 127.0.0.1/32 trust # ataa-scaling-demo' >> "$hba"
  psql -h 127.0.0.1 -U postgres -qc 'SELECT pg_reload_conf()' >/dev/null
  added_hba=1
fi
psql -h 127.0.0.1 -U postgres -qc "SELECT pg_create_physical_replication_slot('ataa_demo')" >/dev/null
chown postgres "$work"
su postgres -c "pg_basebackup -h 127.0.0.1 -U postgres -D $work/replica -R -X stream -S ataa_demo" 
# Debian keeps the configuration outside the data directory: give the replica its own minimal one.
printf "listen_addresses = '127.0.0.1'\nhot_standby = on\n" > "$work/replica/postgresql.conf"
printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' > "$work/replica/pg_hba.conf"
: > "$work/replica/pg_ident.conf"
chown postgres "$work/replica/postgresql.conf" "$work/replica/pg_hba.conf" "$work/replica/pg_ident.conf"
su postgres -c "$pgbin/pg_ctl -D $work/replica -o '-p 5433 -k $work' -l $work/replica.log start -w" >/dev/null || { cat "$work/replica.log"; exit 1; }
psql -h 127.0.0.1 -U postgres -qc "CREATE TABLE ataa_scaling_demo (id int primary key, note text); INSERT INTO ataa_scaling_demo VALUES (1, 'written on the primary')"
for _ in $(seq 1 50); do
  seen=$(psql -h 127.0.0.1 -p 5433 -U postgres -tAc "SELECT note FROM ataa_scaling_demo WHERE id = 1" 2>/dev/null || true)
  [ -n "$seen" ] && break; sleep 0.2
done
echo "replica reads: ${seen:-nothing}"
echo "replica in recovery: $(psql -h 127.0.0.1 -p 5433 -U postgres -tAc 'SELECT pg_is_in_recovery()')"
[ "$seen" = "written on the primary" ]

echo "== Redis Cluster on 127.0.0.1:7000-7005"
for port in 7000 7001 7002 7003 7004 7005; do
  mkdir -p "$work/redis-$port"
  redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file "$work/redis-$port/nodes.conf" \
    --dir "$work/redis-$port" --save "" --appendonly no --daemonize no >"$work/redis-$port.log" 2>&1 &
  redis_pids+=($!)
done
sleep 1
redis-cli --cluster create 127.0.0.1:7000 127.0.0.1:7001 127.0.0.1:7002 127.0.0.1:7003 127.0.0.1:7004 127.0.0.1:7005 \
  --cluster-replicas 1 --cluster-yes >/dev/null
for _ in $(seq 1 50); do redis-cli -p 7000 cluster info | grep -q 'cluster_state:ok' && break; sleep 0.2; done
node --input-type=module -e "
import { Cluster } from 'ioredis';
import { Queue, Worker, QueueEvents } from 'bullmq';
const nodes = [{ host: '127.0.0.1', port: 7000 }];
const connection = () => new Cluster(nodes, { redisOptions: { maxRetriesPerRequest: null } });
const prefix = '{ataa}'; // one hash slot for every key of the queues
const queue = new Queue('notifications', { connection: connection(), prefix });
const events = new QueueEvents('notifications', { connection: connection(), prefix });
await events.waitUntilReady();
const worker = new Worker('notifications', async (job) => 'sent ' + job.data.outboxId, { connection: connection(), prefix });
const job = await queue.add('notifications', { outboxId: 'demo-1' }, { jobId: 'demo-1' });
console.log('BullMQ on Redis Cluster:', await job.waitUntilFinished(events, 10000));
await worker.close(); await events.close(); await queue.close();
process.exit(0);
"
echo "== done"
