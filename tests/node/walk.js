// The README's walk with OVHcloud's Node client, against `convergent serve --tls`.
// Usage: node walk.js (NODE_PATH holds @ovhcloud/node-ovh; CONVERGENT_* variables say where and who).
'use strict';
const ovh = require('@ovhcloud/node-ovh')({
  host: process.env.CONVERGENT_TEST_HOST,
  port: Number(process.env.CONVERGENT_TEST_PORT),
  basePath: '/1.0',
  appKey: process.env.OVH_APPLICATION_KEY,
  appSecret: process.env.OVH_APPLICATION_SECRET,
  consumerKey: process.env.OVH_CONSUMER_KEY,
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(path, done) {
  for (let i = 0; i < 200; i++) {
    try {
      const got = await ovh.requestPromised('GET', path);
      if (done(got, null)) return got;
    } catch (error) {
      if (done(null, error)) return error;
    }
    await sleep(50);
  }
  throw new Error(`timed out waiting on ${path}`);
}

(async () => {
  const out = {};
  out.listedBefore = await ovh.requestPromised('GET', '/v2/publicCloud/project');
  const project = await ovh.requestPromised('POST', '/v2/publicCloud/project', {
    targetSpec: { name: 'node', mode: 'CLASSIC' },
  });
  await waitFor(`/v2/publicCloud/project/${project.id}`, (got) => got && got.resourceStatus === 'READY');
  const base = `/v2/publicCloud/project/${project.id}/rancher`;
  const created = await ovh.requestPromised('POST', base, { targetSpec: { name: 'r1', plan: 'STANDARD' } });
  out.created = created.resourceStatus;
  const path = `${base}/${created.id}`;
  const ready = await waitFor(path, (got) => got && got.resourceStatus === 'READY');
  out.ready = ready.resourceStatus;
  const updated = await ovh.requestPromised('PUT', path, {
    checksum: ready.checksum,
    targetSpec: { ...ready.targetSpec, name: 'r1-renamed' },
  });
  out.updated = updated.resourceStatus;
  try {
    await ovh.requestPromised('PUT', path, { checksum: ready.checksum, targetSpec: { ...ready.targetSpec, name: 'stale' } });
    out.stale = 'accepted';
  } catch (refusal) {
    out.stale = refusal;  // {error: 412, message: ...}
  }
  const renamed = await waitFor(path, (got) => got && got.resourceStatus === 'READY');
  out.renamed = renamed.targetSpec.name;
  const listed = await ovh.requestPromised('GET', base);
  out.listed = listed.map((r) => r.id);
  out.id = created.id;
  const deleting = await ovh.requestPromised('DELETE', path);
  out.deleting = deleting.resourceStatus;
  out.gone = await waitFor(path, (got, error) => error && error.error === 404);
  console.log(JSON.stringify(out));
})().catch((error) => {
  console.error('walk failed:', JSON.stringify(error), error && error.stack);
  process.exit(1);
});
