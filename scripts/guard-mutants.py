#!/usr/bin/env python3
"""Each guard of the security review has a test that fails without it.

For every guard below: take it out of the source (one exact replacement), run the test that
attacks it, and expect that test to FAIL; then put the source back. A mutant whose test still
passes means the test does not really check its guard. A mutant that does not build is an
error of this table, not a result.

    python3 scripts/guard-mutants.py            # all of them (about ten minutes here)
    python3 scripts/guard-mutants.py cors host  # those whose name contains a word

Not part of `make test` (each mutant is a rebuild); run it after changing a guard or its test.
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (name, finding of ../shared/reference/security-review.md, edits that take the guard out,
# test). An edit is (file, the guard's text, the text without it); the test is `cargo test`
# arguments: package, test target, test name.
MUTANTS = [
    (
        # Two guards in series: the service takes the agent from the credential, and core
        # refuses a command naming anyone but the signed-in agent. Either alone holds.
        "impersonation: X-Agent-Id naming another agent (both layers out)",
        "1",
        [
            (
                "crates/service/src/routes/mod.rs",
                "            (Some(p), Some(n)) if n != p.agent => Err(",
                "            (Some(p), Some(n)) if n != p.agent && false => Err(",
            ),
            (
                "crates/service/src/routes/mod.rs",
                "            (Some(p), _) => Ok(Some(p.agent.clone())),\n            (None, named) => Ok(named),",
                "            (Some(p), None) => Ok(Some(p.agent.clone())),\n            (_, named) => Ok(named),",
            ),
            (
                "crates/core/src/access.rs",
                "            if named != &self.agent {",
                "            if named != &self.agent && false {",
            ),
        ],
        ["-p", "rapport-server", "--test", "access", "the_acting_agent_is_who_signed_in_never_the_x_agent_id_header"],
    ),
    (
        "cross-inbox writes: the access rules",
        "2",
        [("crates/service/src/lib.rs", "                        who.may(&self.store, command)?;", "                        let _ = who;")],
        ["-p", "rapport-server", "--test", "access", "the_access_matrix"],
    ),
    (
        "cross-inbox reads: lists show an agent their inboxes",
        "2",
        [("crates/service/src/routes/conversations.rs", "        if who.is_some_and(|w| !w.sees_inbox(s, id)) {", "        if who.is_some_and(|_| false) {")],
        ["-p", "rapport-server", "--test", "access", "lists_counts_and_tasks_show_an_agent_their_inboxes"],
    ),
    (
        "cross-inbox reads: the live stream names only what one sees",
        "2",
        [("crates/server/src/events.rs", "        if seen {\n            return change_event(change);", "        if seen || true {\n            return change_event(change);")],
        ["-p", "rapport-server", "--test", "access", "the_live_stream_names_only_what_the_agent_sees"],
    ),
    (
        "any origin: CORS only for named origins",
        "3",
        [("crates/server/src/guard.rs", ".allow_origin(AllowOrigin::list(origins))", ".allow_origin(tower_http::cors::Any)")],
        ["-p", "rapport-server", "--test", "exposure", "only_named_origins_may_read_the_api_from_a_browser"],
    ),
    (
        "any origin: JSON only as application/json",
        "3",
        [("crates/service/src/routes/mod.rs", "        if !says_json(self.request) {", "        if !says_json(self.request) && false {")],
        ["-p", "rapport-server", "--test", "exposure", "a_cross_site_form_post_is_refused"],
    ),
    (
        "forged Host (DNS rebinding)",
        "3",
        [("crates/server/src/guard.rs", "    if loopback && !host.is_some_and(is_loopback_host) {", "    if loopback && host.is_none() {")],
        ["-p", "rapport-server", "--test", "exposure", "a_forged_host_is_refused_on_a_loopback_server"],
    ),
    (
        "inbound with an agent's credential: only an integration posts what a customer wrote",
        "4",
        [
            (
                "crates/core/src/access.rs",
                "            Command::Inbound(_) if self.role == Role::Admin => Ok(()),",
                "            Command::Inbound(_) if self.role >= Role::Agent => Ok(()),",
            )
        ],
        ["-p", "rapport-server", "--test", "access", "the_access_matrix"],
    ),
    (
        "inbound without a signature",
        "4",
        [("crates/service/src/lib.rs", "            Some(secret) if inbound => signature::verify(secret, now, request),", "            Some(_) if inbound => Ok(()),")],
        ["-p", "rapport-service", "--test", "guards", "the_inbound_webhook_takes_only_fresh_deliveries_signed_with_its_secret"],
    ),
    (
        "inbound replayed: old timestamps",
        "4",
        [("crates/service/src/signature.rs", "    if (now.timestamp() - unix).abs() > TOLERANCE_SECS {", "    if (now.timestamp() - unix).abs() > TOLERANCE_SECS * 1_000_000_000 {")],
        ["-p", "rapport-service", "--test", "guards", "the_inbound_webhook_takes_only_fresh_deliveries_signed_with_its_secret"],
    ),
    (
        "inbound retried: idempotency",
        "4",
        [("crates/service/src/routes/mod.rs", "            if let Some(outcomes) = self.service.answered(k)? {", "            if let Some(outcomes) = self.service.answered(k)?.filter(|_| false) {")],
        ["-p", "rapport-service", "--test", "idempotency", "an_inbound_delivery_retried_is_one_message"],
    ),
    (
        "token sent to a ?api= server: one token per origin",
        "5",
        [("src/api/config.rs", "    map.get(&origin_of(server)?).filter(|t| !t.is_empty()).cloned()", "    map.values().find(|t| !t.is_empty() && !server.is_empty()).cloned()")],
        ["-p", "rapport", "--lib", "a_token_belongs_to_one_server_origin"],
    ),
    (
        "slow loris: the request head deadline",
        "8",
        [("crates/server/src/lib.rs", "                .header_read_timeout(head_deadline);", "                .header_read_timeout(head_deadline * 1000);")],
        ["-p", "rapport-server", "--test", "exposure", "a_request_head_that_never_ends_is_cut_off"],
    ),
    (
        "slow body: the request deadline",
        "8",
        [("crates/server/src/lib.rs", "tokio::time::timeout(state.request_deadline, axum::body::to_bytes", "tokio::time::timeout(state.request_deadline * 1000, axum::body::to_bytes")],
        ["-p", "rapport-server", "--test", "exposure", "a_body_that_takes_too_long_is_cut_off"],
    ),
    (
        "4,000 event streams: the cap",
        "8",
        [("crates/server/src/guard.rs", "|n| (n < self.max).then_some(n + 1))", "|n| Some(n + 1))")],
        ["-p", "rapport-server", "--test", "exposure", "live_streams_are_capped_and_a_closed_one_frees_its_place"],
    ),
    (
        "no rate limit per address",
        "8",
        [("crates/server/src/guard.rs", "    if let Some(Err(wait)) = peer.map(|ip| limit.check(ip)) {", "    if let Some(Err(wait)) = peer.map(|ip| limit.check(ip)).filter(|_| false) {")],
        ["-p", "rapport-server", "--test", "exposure", "an_address_past_its_rate_is_told_to_wait"],
    ),
    (
        "no lockout: failed sign-ins back off",
        "8",
        [("crates/server/src/accounts.rs", "        left(self.by_account.get(email)).max(left(self.by_address.get(&addr)))", "        left(self.by_account.get(email)).max(left(self.by_address.get(&addr))).filter(|_| false)")],
        ["-p", "rapport-server", "--test", "access", "failed_sign_ins_back_off_and_a_deactivated_account_is_out"],
    ),
    (
        "2 MiB notes: a limit per field",
        "7",
        [("crates/service/src/lib.rs", "                    rapport_core::limits::check(command)?;", "                    let _ = rapport_core::limits::check;")],
        ["-p", "rapport-service", "--test", "guards", "a_text_over_its_limit_is_refused_422_and_not_stored"],
    ),
    (
        "an agent managing the team: only an admin adds agents, sets up inboxes and memberships",
        "2",
        [
            (
                "crates/core/src/access.rs",
                "                if self.role == Role::Admin =>\n",
                "                if self.role >= Role::Agent =>\n",
            )
        ],
        ["-p", "rapport-server", "--test", "access", "an_admin_"],
    ),
    (
        "no security headers",
        "12",
        [("crates/server/src/guard.rs", '    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");', "")],
        ["-p", "rapport-server", "--test", "exposure", "every_answer_carries_the_security_headers"],
    ),
    (
        "no access log",
        "15",
        [("crates/server/src/guard.rs", '    eprintln!(\n        "rapport-server: {method} {} {} {ms:.1} ms",', '    let _ = format!(\n        "rapport-server: {method} {} {} {ms:.1} ms",')],
        ["-p", "rapport-server", "--test", "startup", "the_binary_logs_one_line_per_request_without_secrets"],
    ),
]


def run(name, finding, edits, test):
    originals = {}
    try:
        for path, guard, without in edits:
            file = ROOT / path
            originals.setdefault(file, file.read_text())
            text = file.read_text()
            if text.count(guard) != 1:
                return "TABLE ERROR", f"the guard is not exactly once in {path}: {guard!r}"
            file.write_text(text.replace(guard, without, 1))
        cmd = ["cargo", "test", "--offline", *test[:-1], "--", test[-1]]
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        out = p.stdout + p.stderr
        if "could not compile" in out:
            return "DID NOT BUILD", out[-1500:]
        ran = sum(int(n) for n in re.findall(r"test result: \w+\. (\d+) passed", out))
        failed = sum(int(n) for n in re.findall(r"; (\d+) failed", out))
        if ran + failed == 0:
            return "NO TEST RAN", " ".join(cmd)
        return ("caught" if p.returncode != 0 else "SURVIVED"), " ".join(cmd)
    finally:
        for file, text in originals.items():
            file.write_text(text)


def main():
    words = sys.argv[1:]
    chosen = [m for m in MUTANTS if not words or any(w in m[0] for w in words)]
    results = []
    for m in chosen:
        verdict, detail = run(*m)
        results.append((verdict, m))
        print(f"{verdict:13} finding {m[1]:>2}  {m[0]}", flush=True)
        if verdict != "caught":
            print("    " + detail.replace("\n", "\n    "), flush=True)
    bad = [r for r in results if r[0] != "caught"]
    print(f"\n{len(results) - len(bad)} of {len(results)} guards caught by their test")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
