//! Random fault schedules for `raft-sim run --faults` and the swarm. The schedule depends only
//! on the seed, the cluster size and the duration, so a failing seed replays exactly.

use super::Timed;
use crate::prng::{Prng, Stream};
use crate::raft::{NodeId, Time};
use crate::sim::Intervention;

/// Crashes, restarts (some within milliseconds), isolations, partitions, cut links, forced
/// timeouts and heals, every 50–800 ms, over `[0, duration_us)`.
pub fn random_faults(seed: u64, nodes: u8, duration_us: Time) -> Vec<Timed> {
    let mut rng = Prng::new(seed, Stream::Faults);
    let mut up = vec![true; usize::from(nodes) + 1];
    let mut out = Vec::new();
    let mut t = rng.range(200_000, 1_000_000);
    while t < duration_us {
        let n = rng.range(1, u64::from(nodes)) as NodeId;
        let what = match rng.below(100) {
            0..=19 if up[usize::from(n)] => {
                up[usize::from(n)] = false;
                Intervention::Crash(n)
            }
            0..=34 => {
                up[usize::from(n)] = true;
                Intervention::Restart(n)
            }
            35..=44 if up[usize::from(n)] => {
                // Down and back within an election timeout: the window in which a forgotten
                // vote can be cast twice.
                let back = t + rng.range(1_000, 150_000);
                out.push(Timed { at_us: back.min(duration_us), what: Intervention::Restart(n) });
                Intervention::Crash(n)
            }
            45..=54 => Intervention::Isolate(n),
            55..=62 => Intervention::Rejoin(n),
            63..=72 => {
                let groups = (0..nodes).map(|_| rng.below(2) as u8).collect();
                Intervention::Partition(groups)
            }
            73..=78 => {
                let to = rng.range(1, u64::from(nodes)) as NodeId;
                Intervention::Cut { from: n, to }
            }
            79..=90 => Intervention::Timeout(n),
            _ => Intervention::Heal,
        };
        out.push(Timed { at_us: t, what });
        t += rng.range(50_000, 800_000);
    }
    out.sort_by_key(|x| x.at_us);
    out
}
