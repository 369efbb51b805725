/** ListGroups (key 16), v0–v5: every group, filtered by state (v4+, case-insensitive) and type (v5+: classic). */
import type { ListGroupsRequest, ListGroupsResponse } from '../protocol/messages/index.js';
import { defineHandler } from './types.js';

export default defineHandler<ListGroupsRequest, ListGroupsResponse>({
  apiKey: 16,
  minVersion: 0,
  maxVersion: 5,
  handle(req, ctx) {
    const states = new Set((ctx.apiVersion >= 4 ? req.statesFilter : []).map((s) => s.toLowerCase()));
    const types = new Set((ctx.apiVersion >= 5 ? req.typesFilter : []).map((s) => s.toLowerCase()));
    const groups = [...ctx.broker.groups.groups.values()]
      .filter((g) => g.state !== 'Dead')
      .filter((g) => states.size === 0 || states.has(g.state.toLowerCase()))
      .filter(() => types.size === 0 || types.has('classic'))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state, groupType: 'classic' }));
    return { throttleTimeMs: 0, errorCode: 0, groups };
  },
});
