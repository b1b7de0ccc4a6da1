"""A section declared outside the package, as a framework user would (`--section
garden_section:SECTION`, or the `convergent.sections` entry point): plots, created by `POST` or
delivered by the `gardenPlot` order."""

import msgspec

from convergent.model.kind import Kind, Plan, Step, standard_actions
from convergent.model.section import Section
from convergent.model.status import Action


class PlotSpec(msgspec.Struct, forbid_unknown_fields=True):
    crop: str


class Grow:
    def plan(self, action, resource):
        if action == Action.DELETE:
            return Plan("PLOT_DELETE", "clear plot", (Step("Clear", 0),))
        return Plan(f"PLOT_{action.upper()}", f"{action} plot", (Step("Sow", 0),))

    def apply(self, step, resource):
        return {"crop": resource.target_spec["crop"]}


PLOT = Kind(
    section="garden",
    name="plot",
    label="Plot",
    collection="/garden/plot",
    id_param="plotId",
    spec_create=PlotSpec,
    spec_update=PlotSpec,
    reconciler=Grow(),
    iam_type="gardenPlot",
    actions=standard_actions("gardenPlot"),
)


async def deliver_plot(order) -> None:
    await order.deliver(PLOT, {"crop": "leek"}, {"crop": "leek"})


SECTION = Section("garden", "plots", kinds=(PLOT,), provisioners={"gardenPlot": deliver_plot})
