# One storage account holds the Functions host state, the outbox queues, the
# send ledger and the deployment package. Shared keys are off: everything,
# the app and this Terraform included, authenticates with Entra ID.
resource "azurerm_storage_account" "this" {
  name                            = local.storage_account_name
  resource_group_name             = azurerm_resource_group.this.name
  location                        = azurerm_resource_group.this.location
  account_kind                    = "StorageV2"
  account_tier                    = "Standard"
  account_replication_type        = var.storage_replication_type
  min_tls_version                 = "TLS1_2"
  https_traffic_only_enabled      = true
  shared_access_key_enabled       = false
  default_to_oauth_authentication = true
  allow_nested_items_to_be_public = false
  tags                            = local.tags
}

resource "azurerm_storage_queue" "outbox" {
  name               = local.outbox_queue_name
  storage_account_id = azurerm_storage_account.this.id
}

# The Functions host moves a message here after maxDequeueCount failed tries.
resource "azurerm_storage_queue" "poison" {
  name               = local.poison_queue_name
  storage_account_id = azurerm_storage_account.this.id
}

# The app parks messages here that it has given up on for good (permanent errors).
resource "azurerm_storage_queue" "deadletter" {
  name               = local.deadletter_queue_name
  storage_account_id = azurerm_storage_account.this.id
}

# Flex Consumption reads the deployment package from this container.
resource "azurerm_storage_container" "deployment" {
  name                  = local.deployment_container
  storage_account_id    = azurerm_storage_account.this.id
  container_access_type = "private"
}

# Producers upload large attachments here and name them by URL (contentLocation);
# the function reads them with its identity (its blob data role covers the account).
resource "azurerm_storage_container" "attachments" {
  name                  = local.attachments_container
  storage_account_id    = azurerm_storage_account.this.id
  container_access_type = "private"
}

# The table API has no management-plane path in the pinned provider, so the
# provider creates it through the data plane with the deployer's identity.
resource "azurerm_role_assignment" "deployer_table_data" {
  scope                = azurerm_storage_account.this.id
  role_definition_name = "Storage Table Data Contributor"
  principal_id         = data.azurerm_client_config.current.object_id
}

resource "time_sleep" "deployer_table_data_propagation" {
  create_duration = "60s"

  triggers = {
    role_assignment_id = azurerm_role_assignment.deployer_table_data.id
  }
}

# Send ledger: one row per accepted message, so a retry can tell whether the
# first try already reached Graph (Graph has no idempotency key).
resource "azurerm_storage_table" "ledger" {
  name                 = local.ledger_table_name
  storage_account_name = azurerm_storage_account.this.name

  depends_on = [time_sleep.deployer_table_data_propagation]
}
