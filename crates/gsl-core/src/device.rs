//! Choosing the device that tests, examples, the CLI and benchmarks run on.
//!
//! Library functions take a `&Device` and never name a backend; this module is the one place that
//! turns a backend *name* into a [`Device`]. Which names work depends on the compiled features:
//! `flex` (pure-Rust CPU), `wgpu` (Vulkan/Metal/DX12/OpenGL through wgpu; on a machine without a
//! GPU, Mesa's lavapipe provides a software Vulkan device) and `cuda`.

use burn::tensor::Device;

use crate::error::{GslError, Result};

/// Environment variable read by [`default_device`]: `flex`, `wgpu`, `wgpu-cpu` or `cuda`.
pub const DEVICE_ENV: &str = "GSL_DEVICE";

/// The backends compiled into this build, in order of preference for [`default_device`].
pub fn compiled_backends() -> Vec<&'static str> {
    let mut names = Vec::new();
    if cfg!(feature = "flex") {
        names.push("flex");
    }
    if cfg!(feature = "wgpu") {
        names.push("wgpu");
    }
    if cfg!(feature = "cuda") {
        names.push("cuda");
    }
    names
}

/// Builds the device called `name`.
///
/// Accepted names: `flex`; `wgpu` (the default wgpu adapter, a GPU when there is one);
/// `wgpu-cpu` (a CPU adapter such as lavapipe); `cuda` or `cuda:N`.
/// A name whose backend was not compiled in gives [`GslError::Device`].
pub fn device_from_name(name: &str) -> Result<Device> {
    let name = name.trim().to_ascii_lowercase();
    let not_compiled = |feature: &str| {
        GslError::Device(format!(
            "backend `{feature}` is not compiled into this build (compiled: {}); rebuild with the `{feature}` feature",
            compiled_backends().join(", ")
        ))
    };
    match name.as_str() {
        "flex" | "cpu" => {
            #[cfg(feature = "flex")]
            {
                Ok(Device::flex())
            }
            #[cfg(not(feature = "flex"))]
            {
                Err(not_compiled("flex"))
            }
        }
        "wgpu" | "wgpu-cpu" => {
            #[cfg(feature = "wgpu")]
            {
                let kind = if name == "wgpu-cpu" {
                    burn::tensor::DeviceKind::Cpu
                } else {
                    burn::tensor::DeviceKind::DefaultDevice
                };
                Ok(Device::wgpu(kind))
            }
            #[cfg(not(feature = "wgpu"))]
            {
                Err(not_compiled("wgpu"))
            }
        }
        other if other == "cuda" || other.starts_with("cuda:") => {
            let index: usize = match other.strip_prefix("cuda:") {
                Some(i) => i.parse().map_err(|_| {
                    GslError::invalid("device", format!("`{other}`: expected cuda:<index>"))
                })?,
                None => 0,
            };
            #[cfg(feature = "cuda")]
            {
                Ok(Device::cuda(index))
            }
            #[cfg(not(feature = "cuda"))]
            {
                let _ = index;
                Err(not_compiled("cuda"))
            }
        }
        other => Err(GslError::invalid(
            "device",
            format!("unknown device `{other}` (expected flex, wgpu, wgpu-cpu, cuda or cuda:N)"),
        )),
    }
}

/// The device named by `GSL_DEVICE`, or Flex when it is unset (the first compiled backend if
/// Flex is not compiled in).
pub fn default_device() -> Result<Device> {
    match std::env::var(DEVICE_ENV) {
        Ok(name) if !name.trim().is_empty() => device_from_name(&name),
        _ => {
            let first = compiled_backends()
                .first()
                .copied()
                .ok_or_else(|| GslError::Device("no backend compiled in".into()))?;
            device_from_name(first)
        }
    }
}

/// Whether `device` is Burn's Flex CPU device without autodiff. Such tensors are host memory, so
/// gsl may run a CPU kernel on them directly (see the sparse product of [`crate::graph::Graph`]);
/// autodiff devices and GPUs keep the differentiable tensor-op path.
pub fn is_plain_flex(device: &Device) -> bool {
    #[cfg(feature = "flex")]
    {
        !device.is_autodiff() && *device == Device::flex()
    }
    #[cfg(not(feature = "flex"))]
    {
        let _ = device;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_and_uncompiled_names_are_errors() {
        assert!(matches!(
            device_from_name("tpu"),
            Err(GslError::InvalidArgument { .. })
        ));
        assert!(matches!(
            device_from_name("cuda:x"),
            Err(GslError::InvalidArgument { .. })
        ));
        if !cfg!(feature = "cuda") {
            assert!(matches!(device_from_name("cuda"), Err(GslError::Device(_))));
        }
        assert!(device_from_name("flex").is_ok());
    }

    #[test]
    fn plain_flex_is_told_apart_from_autodiff_flex() {
        let flex = device_from_name("flex").unwrap();
        assert!(is_plain_flex(&flex));
        assert!(!is_plain_flex(&flex.autodiff()));
    }
}
