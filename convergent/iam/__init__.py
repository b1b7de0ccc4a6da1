"""IAM: the policy decision (policy.py) and the names under which IAM objects are stored."""

POLICY = "iam.policy"
PERMISSIONS_GROUP = "iam.permissionsGroup"
RESOURCE_GROUP = "iam.resourceGroup"

__all__ = ["POLICY", "PERMISSIONS_GROUP", "RESOURCE_GROUP"]
