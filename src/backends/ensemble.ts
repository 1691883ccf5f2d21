import type { Backend, BackendWarning, SampledChain, SampleRequest, SampleResult } from "./backend.js";

/** One member of an ensemble: a backend under a name (what its chains record as their `member`). */
export interface EnsembleMember {
  name: string;
  backend: Backend;
}

/**
 * Several backends (models, servers, recorded chains) as one: chain j of a problem is member
 * j mod M's chain ⌊j / M⌋ (round robin, so each member draws its own chains 0, 1, 2, … whatever the rounds
 * of a stopping rule, and a replayed member serves its own recorded chains in order), sampled side by
 * side; every chain records its member as its `source`, so one vote runs over all of them and the summary
 * shows each member's accuracy (weights: the engine's `memberWeights`). All members
 * get the same prompt: text, or chat messages for members that render them. The members' own defaults
 * are the first member's.
 *
 * @example
 * const backend = createEnsembleBackend([{ name: "tiny", backend: tiny }, { name: "remote", backend: remote }]);
 * const engine = await createEngine({ backend });
 */
export function createEnsembleBackend(members: readonly EnsembleMember[]): Backend {
  if (members.length === 0) throw new RangeError("an ensemble needs at least one member");
  const first = members[0]!.backend;
  return {
    name: `ensemble(${members.map((m) => m.name).join(",")})`,
    needsPrompt: members.some((m) => m.backend.needsPrompt),
    defaults: first.defaults,
    capabilities: {
      chat: members.every((m) => m.backend.capabilities.chat),
      logprobs: members.every((m) => m.backend.capabilities.logprobs),
      force: members.every((m) => m.backend.capabilities.force),
      seeded: members.every((m) => m.backend.capabilities.seeded),
    },
    ...(first.promptSet ? { promptSet: first.promptSet } : {}),
    description: { members: members.map((m) => ({ name: m.name, ...m.backend.description })) },
    async sampleChains(request: SampleRequest): Promise<SampleResult> {
      const firstIndex = request.firstIndex ?? 0;
      const end = firstIndex + request.count;
      const size = members.length;
      // member m's chains in [firstIndex, end): j ≡ m (mod size), its own indices ⌈(firstIndex − m) / size⌉ on
      const parts: Array<{ member: EnsembleMember; m: number; first: number; count: number }> = [];
      members.forEach((member, m) => {
        const first = Math.max(0, Math.ceil((firstIndex - m) / size));
        const count = Math.max(0, Math.ceil((end - m) / size) - first);
        if (count > 0) parts.push({ member, m, first, count });
      });
      const results = await Promise.all(parts.map((part) => part.member.backend.sampleChains({ ...request, firstIndex: part.first, count: part.count })));
      const chains: SampledChain[] = [];
      const warnings: BackendWarning[] = [];
      results.forEach((result, p) => {
        const { member, m } = parts[p]!;
        const name = member.name;
        for (const chain of result.chains) chains.push({ ...chain, index: chain.index * size + m, source: name });
        for (const warning of result.warnings) warnings.push({ ...warning, message: `${name}: ${warning.message}` });
      });
      return {
        chains: chains.sort((a, b) => a.index - b.index),
        usage: {
          promptTokens: results.reduce((sum, r) => sum + r.usage.promptTokens, 0),
          generatedTokens: results.reduce((sum, r) => sum + r.usage.generatedTokens, 0),
          // the members ran side by side
          wallMs: Math.max(0, ...results.map((r) => r.usage.wallMs)),
        },
        warnings,
      };
    },
    async close() {
      await Promise.all(members.map((m) => m.backend.close()));
    },
  };
}
