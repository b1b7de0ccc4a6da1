"""OVHcloud's own Terraform provider acceptance tests, run against a real convergent (`make acceptance`)."""
