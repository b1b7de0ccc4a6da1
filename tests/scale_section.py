"""A section whose steps do slow I/O, for the real-process scale tests (`--section scale_section:SECTION`).

Each step first notes `<pid> <resource id> <step>` in the file `SCALE_EFFECTS` names (its I/O,
which a resumed step repeats), then waits `SCALE_STEP_SECONDS`, then returns the new
currentState: the list of steps applied, which must never hold a step twice.
"""

import asyncio
import os

import msgspec

from convergent.model.kind import Kind, Plan, Step, standard_actions
from convergent.model.section import Section
from convergent.model.status import Action

STEPS = ("Reserve", "Build", "Ship")


class GadgetSpec(msgspec.Struct, forbid_unknown_fields=True):
    size: int


class SlowReconciler:
    def plan(self, action, resource):
        if action == Action.DELETE:
            return Plan("GADGET_DELETE", "delete gadget", (Step("Dismantle", 0),))
        return Plan(f"GADGET_{action.upper()}", f"{action} gadget", tuple(Step(name, 0) for name in STEPS))

    async def apply(self, step, resource):
        with open(os.environ["SCALE_EFFECTS"], "a") as effects:
            effects.write(f"{os.getpid()} {resource.id} {step}\n")
        await asyncio.sleep(float(os.environ.get("SCALE_STEP_SECONDS", "1")))
        return {**resource.current_state, "applied": [*resource.current_state.get("applied", []), step]}


SECTION = Section(
    "lab",
    "slow gadgets",
    kinds=(
        Kind(
            section="lab",
            name="gadget",
            label="Gadget",
            collection="/lab/gadget",
            id_param="gadgetId",
            spec_create=GadgetSpec,
            spec_update=GadgetSpec,
            reconciler=SlowReconciler(),
            iam_type="labGadget",
            actions=standard_actions("labGadget"),
        ),
    ),
)
