import { test } from "node:test";
import { strict as assert } from "node:assert";
import { isEngineError } from "../errors/EngineError.js";
import { chainId, chainIds } from "./chainid.js";

// Values computed independently with `printf '%s %s' A B | sha256sum`.
const A = "sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1";
const B = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";
const AB = "sha256:c3191d32a37d7159b2e30830937d2e30268ad6c375a773a8994911a3aba9b93f";
const ABA = "sha256:ce60e381e7c2941cc3c11bc7a60b267bb56a3be80df231da8c523c53af72518b";

test("chainIds: first is the diff id, then sha256(parent + ' ' + diff)", () => {
  assert.deepEqual(chainIds([A]), [A]);
  assert.deepEqual(chainIds([A, B]), [A, AB]);
  assert.deepEqual(chainIds([A, B, A]), [A, AB, ABA]);
  assert.equal(chainId([A, B, A]), ABA);
  assert.equal(chainId([]), undefined);
});

test("chainIds: invalid diff ids are InvalidArgument naming the index", () => {
  assert.throws(() => chainIds([A, "sha256:xyz"]), (e) => isEngineError(e, "InvalidArgument") && /diff_ids\[1\]/.test(e.message));
});
