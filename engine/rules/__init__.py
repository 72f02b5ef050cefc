"""The network's routing rules: each structure's competence and territory, and the routing policy."""
