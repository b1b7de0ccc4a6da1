"""Identity and access management: pure policy decisions (see `convergent.iam.policy`)."""
