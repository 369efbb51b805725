/**
 * A @platformatic/kafka group member in a process of its own, for the group scenarios (see
 * _groups.ts, spawnMember): `_member.ts <name> <group> <topic>`, RUNNEL_BOOTSTRAP in the
 * environment. Reports each assignment and each processed (committed) message as a JSON line on
 * stdout. SIGTERM leaves the group and exits; SIGKILL is the point: the member disappears without
 * a LeaveGroup.
 */
import { startMember } from './_groups.js';

const [name, groupId, topic] = process.argv.slice(2);
const bootstrap = process.env.RUNNEL_BOOTSTRAP;
if (!name || !groupId || !topic || !bootstrap) throw new Error('usage: RUNNEL_BOOTSTRAP=host:port _member.ts <name> <group> <topic>');

const member = await startMember(bootstrap, name, groupId, topic, (e) => console.log(JSON.stringify(e)));
process.once('SIGTERM', () => {
  void member.stop().finally(() => process.exit(0));
});
