"""IAM: the policy decision (policy.py) and the names under which IAM objects are stored
(objects.py declares them for the plain-object registry)."""

POLICY = "iam.policy"
PERMISSIONS_GROUP = "iam.permissionsGroup"
RESOURCE_GROUP = "iam.resourceGroup"

__all__ = ["POLICY", "PERMISSIONS_GROUP", "RESOURCE_GROUP"]
