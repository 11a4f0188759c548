//! `spin:variables/variables@3.0.0`: a component reads its own variables, already expanded.

use crate::bindings::spin::variables::variables::{self, Error};
use crate::state::HostState;
use wasmtime::component::{Accessor, HasData, Linker};

pub struct SpinVariables;

impl HasData for SpinVariables {
    type Data<'a> = &'a mut HostState;
}

pub fn add_to_linker(linker: &mut Linker<HostState>) -> anyhow::Result<()> {
    variables::add_to_linker::<HostState, SpinVariables>(linker, |s| s)?;
    Ok(())
}

impl variables::Host for &mut HostState {}

impl<T> variables::HostWithStore<T> for SpinVariables {
    async fn get(accessor: &Accessor<T, Self>, name: String) -> Result<String, Error> {
        if crate::variables::check_name(&name).is_err() {
            return Err(Error::InvalidName(name));
        }
        accessor.with(|mut access| {
            let state = access.get();
            state
                .variables
                .get(&name)
                .cloned()
                .ok_or(Error::Undefined(name))
        })
    }
}
