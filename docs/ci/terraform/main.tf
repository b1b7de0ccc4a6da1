# A module written for OVHcloud, run unchanged against convergent: the provider reads OVH_ENDPOINT
# and the keys from the OVH_* variables `convergent env` prints.
terraform {
  required_providers {
    ovh = { source = "ovh/ovh" }
  }
}

provider "ovh" {}

variable "project_id" {
  type = string
}

resource "ovh_cloud_project_rancher" "ci" {
  project_id = var.project_id
  target_spec = {
    name = "ci"
    plan = "STANDARD"
  }
}

output "rancher_url" {
  value = ovh_cloud_project_rancher.ci.current_state.url
}
