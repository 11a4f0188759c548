//! `--build`: runs each component's `[component.X.build] command` with `sh -c`, in the manifest's
//! directory (or its `workdir`), as `spin up --build` does.

use crate::manifest::Manifest;
use anyhow::{Context, Result, bail};

pub fn build_all(manifest: &Manifest) -> Result<()> {
    for (id, c) in &manifest.components {
        let Some(build) = &c.build else { continue };
        let dir = match &build.workdir {
            Some(w) => manifest.dir.join(w),
            None => manifest.dir.clone(),
        };
        eprintln!("Building component {id} with `{}`", build.command);
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(&build.command)
            .current_dir(&dir)
            .status()
            .with_context(|| format!("cannot run the build command of {id:?}"))?;
        if !status.success() {
            bail!("build command for component {id:?} failed ({status})");
        }
    }
    eprintln!("Finished building all Spin components");
    Ok(())
}
