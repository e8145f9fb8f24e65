//! Seeded randomness: host generators, independent sub-streams, and the device seed.
//!
//! Every stochastic entry point of gsl takes a `u64` seed. Code that needs several independent
//! random streams (initialisation, shuffling, negative sampling, dropout…) derives one seed per
//! stream with [`derive_seed`] instead of reusing the parent seed, so that adding a new stream
//! never shifts the draws of an existing one.

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Device, Tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// The golden-ratio increment of SplitMix64 (⌊2⁶⁴/φ⌋, odd).
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 output function (Steele, Lea & Flood, "Fast splittable pseudorandom number
/// generators", OOPSLA 2014, with the "mix13" constants of Stafford's variant 13).
///
/// It is a bijection on `u64` with full avalanche: flipping one input bit flips each output bit
/// with probability close to ½.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A host random generator seeded with `seed`: the same seed gives the same sequence on every
/// platform and run.
///
/// `StdRng` is rand 0.10's ChaCha12 generator, the one Burn itself uses.
///
/// ```
/// use gsl_core::train::seeded_rng;
/// use rand::RngExt;
///
/// let (mut a, mut b) = (seeded_rng(7), seeded_rng(7));
/// assert_eq!(a.random::<u64>(), b.random::<u64>());
/// ```
pub fn seeded_rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// The seed of sub-stream `stream` of `seed`.
///
/// SplitMix-style derivation: the stream index is spread by the golden-ratio increment and
/// mixed, then combined with the parent seed and mixed again. Both mixing steps are bijections,
/// so for a fixed parent seed **distinct streams always get distinct seeds**, and neighbouring
/// streams (or neighbouring parent seeds) give seeds that differ in about half of their bits.
///
/// ```
/// use gsl_core::train::derive_seed;
///
/// let init = derive_seed(42, 0);
/// let shuffle = derive_seed(42, 1);
/// assert_ne!(init, shuffle);
/// assert_eq!(init, derive_seed(42, 0));
/// ```
pub fn derive_seed(seed: u64, stream: u64) -> u64 {
    let spread = mix64(stream.wrapping_mul(GOLDEN_GAMMA).wrapping_add(GOLDEN_GAMMA));
    mix64(seed ^ spread)
}

/// Seeds the random generator behind `device` (used by `Tensor::random`, dropout, …).
///
/// On Flex the generator is **process-global**: seeding any Flex device reseeds all of them,
/// and tests that draw device randomness concurrently in one process interleave their draws.
/// Code that must be reproducible under parallel tests should draw on the host
/// ([`seeded_rng`]) and upload the values. Other backends may also apply the seed globally
/// (Burn documents `Device::seed` as "may be applied globally"), and the same seed gives
/// different draws on different backends.
///
/// Burn's initialisers (`Initializer`, `LinearConfig::init`, …) draw a parameter's values
/// lazily, at its first use, so "seed, then build" fixes the values only if nothing else draws
/// between the seed and that first use; [`materialize_params`] draws them at once.
pub fn seed_device(device: &Device, seed: u64) {
    device.seed(seed);
}

/// Draws every lazily initialised parameter of `module` now, in the module's field order.
///
/// Burn's initialisers (`Initializer`, `LinearConfig::init`, …) create parameters whose values
/// are drawn from the device generator on **first use**, not at construction. Call this right
/// after seeding and building: before copying a module whose copies must start equal, and
/// before anything else may draw from the same generator. The field order differs from the
/// order of first use, so the values differ from those the same module initialised lazily gets.
///
/// ```
/// use burn::nn::LinearConfig;
/// use gsl_core::device::device_from_name;
/// use gsl_core::train::{materialize_params, seed_device};
///
/// let device = device_from_name("flex").unwrap();
/// seed_device(&device, 5);
/// let layer = LinearConfig::new(3, 2).init(&device);
/// materialize_params(&layer);
/// let copy = layer.clone();
/// assert_eq!(layer.weight.val().into_data(), copy.weight.val().into_data());
/// ```
pub fn materialize_params<M: Module>(module: &M) {
    struct Touch;
    impl ModuleVisitor for Touch {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let _ = param.val();
        }
    }
    module.visit(&mut Touch);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix64_is_the_splitmix_finaliser() {
        // First output of SplitMix64 seeded with 0 (reference value of the original generator):
        // next() adds the golden gamma to the state, then mixes.
        assert_eq!(mix64(GOLDEN_GAMMA), 0xE220_A839_7B1D_CDAF);
    }
}
