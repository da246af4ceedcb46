import { test } from "node:test";
import { strict as assert } from "node:assert";
import { applyChanges } from "./importChanges.js";
import { isEngineError } from "../../errors/EngineError.js";

test("Dockerfile-style changes apply to the config defaults", () => {
  const c = applyChanges({ Env: ["PATH=/bin"] }, [
    'CMD ["/bin/app", "--flag"]',
    "ENTRYPOINT /entry.sh run",
    "ENV A=1 B=\"two words\"",
    "ENV PATH /usr/bin:/bin",
    "LABEL org.example=yes 'k 2'=v2",
    "EXPOSE 80 53/udp 8000-8001",
    'VOLUME ["/data"]',
    "USER 1000:1000",
    "WORKDIR /srv",
    "WORKDIR app",
    "STOPSIGNAL SIGINT",
  ]);
  assert.deepEqual(c, {
    Cmd: ["/bin/app", "--flag"],
    Entrypoint: ["/bin/sh", "-c", "/entry.sh run"],
    Env: ["PATH=/usr/bin:/bin", "A=1", "B=two words"],
    Labels: { "org.example": "yes", "k 2": "v2" },
    ExposedPorts: { "80/tcp": {}, "53/udp": {}, "8000-8001/tcp": {} },
    Volumes: { "/data": {} },
    User: "1000:1000",
    WorkingDir: "/srv/app",
    StopSignal: "SIGINT",
  });
});

test("unsupported or malformed changes are refused", () => {
  for (const bad of ["RUN echo hi", "CMD [broken", "EXPOSE http", "LABEL onlykey", "USER", 'ENV "unterminated']) {
    assert.throws(() => applyChanges({}, [bad]), (e: unknown) => isEngineError(e, "InvalidArgument"), bad);
  }
});
