//! The consensus module alone, driven by golden scripts (toydb's `testscripts`, etcd's
//! datadriven tests): messages wait in a queue until a command delivers or drops them, so every
//! interleaving is chosen, and each command's output — messages sent, state changes, entries
//! applied, reads answered — is checked in under `tests/scripts/`, one script per behaviour.
//! Every file there is a test (`test_each_path!`; a new file needs a rebuild to be seen). After
//! a deliberate change, rewrite the expected output with
//! `UPDATE_GOLDENFILES=1 cargo test --test raft_scripts` and read the diff.
//!
//! Commands (ids are server numbers; `now` starts at 0 and moves only with `advance`). Each
//! takes exactly the arguments listed: anything else fails the script. `!command` expects the
//! command to fail and prints its error.
//! - `cluster nodes=N [prevote=on] [check-quorum=on] [reads=read-index] [bug=NAME] [max-entries=M]`
//! - `setup ID [role=leader|candidate|pre-candidate|follower] [term=T] [vote=V] [log=T/T/…] [commit=C]`
//! - `advance ms=N` · `tick [ID…]` (fire due timers) · `timeout ID` (election timer fires now)
//! - `propose ID [value=V]` · `transfer ID to=T` · `read ID ctx=C`
//! - `deliver [from=ID] [to=ID] [kind=NAME]` (one round of matching queued messages) ·
//!   `stabilize` (rounds until the queue is empty; fails after 1000)
//! - `drop [from=ID] [to=ID] [kind=NAME]` · `isolate ID` · `heal` · `crash ID` · `restart ID`
//! - `inject from=ID to=ID term=T [at=ID] append [prev=I@T] [entries=I@T/…] | vote [last=I@T] | refusal [conflict=I]`
//! - `change ID add=N | promote=N | remove=N | out=A/B in=C/D` (a membership change at leader ID;
//!   `cluster … spare=K` creates K more servers that are in no configuration yet)
//! - `snapshot ID` (compact the log up to what ID has applied)
//! - `status [ID…]`

#![cfg(not(target_arch = "wasm32"))]

mod harness;

use std::path::Path;

use harness::Harness;
use test_each_file::test_each_path;

fn run_script(path: &Path) {
    goldenscript::run(&mut Harness::default(), path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

test_each_path! { in "tests/scripts" => run_script }

/// The harness refuses what it does not know, instead of quietly doing something else:
/// `deliver frm=1` once delivered every message.
#[test]
fn a_misspelt_argument_fails_the_script() {
    for (script, error) in [
        ("cluster nodes=3\ntimeout 1\ndeliver frm=1\n", "unexpected argument 'frm=1'"),
        ("cluster nodes=3 prevot=on\n", "unexpected argument 'prevot=on'"),
        ("cluster nodes=3\ndeliver kind=vote\n", "kind=vote: no such message kind"),
        ("cluster nodes=3\nstatus 1 extra=2\n", "unexpected argument 'extra=2'"),
        ("cluster nodes=3\ntimeout 1 2\n", "unexpected argument '2'"),
    ] {
        let input = format!("{script}---\n");
        let err = goldenscript::generate(&mut Harness::default(), &input).expect_err(script);
        assert!(err.to_string().contains(error), "{script:?}: {err}");
    }
}
