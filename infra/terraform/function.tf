resource "azurerm_service_plan" "this" {
  name                = local.service_plan_name
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  os_type             = "Linux"
  sku_name            = "FC1"
  tags                = local.tags
}

# graph-mailer runs as an Azure Functions custom handler: the Functions host
# forwards each invocation to the native Quarkus binary in the package
# (target/function-app.zip, deployed after apply; see README).
resource "azurerm_function_app_flex_consumption" "this" {
  name                = local.function_app_name
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  service_plan_id     = azurerm_service_plan.this.id

  runtime_name           = "custom"
  runtime_version        = var.custom_runtime_version
  instance_memory_in_mb  = var.instance_memory_in_mb
  maximum_instance_count = local.maximum_instance_count

  # The deployment package is read with the app's own identity.
  storage_container_type      = "blobContainer"
  storage_container_endpoint  = local.deployment_package_url
  storage_authentication_type = "SystemAssignedIdentity"

  https_only                                     = true
  public_network_access_enabled                  = true
  webdeploy_publish_basic_authentication_enabled = false
  app_settings                                   = local.function_app_settings
  tags                                           = local.tags

  identity {
    type = "SystemAssigned"
  }

  # Default none (var.always_ready = {}): every function group scales from zero.
  dynamic "always_ready" {
    for_each = var.always_ready
    content {
      name           = always_ready.key
      instance_count = always_ready.value
    }
  }

  site_config {
    application_insights_connection_string = azurerm_application_insights.this.connection_string
    minimum_tls_version                    = "1.2"
    http2_enabled                          = true
  }

  lifecycle {
    # Always-ready instances count toward the group's maximum instance count.
    precondition {
      condition     = alltrue([for n in values(var.always_ready) : n <= local.maximum_instance_count])
      error_message = "An always_ready instance count exceeds maximum_instance_count."
    }
  }
}

# azurerm (hashicorp/terraform-provider-azurerm issues 29693 and 29149, still
# open) adds an AzureWebJobsStorage connection string without a key to the app
# settings even when host storage uses the identity. The host takes a present
# AzureWebJobsStorage for a connection string ahead of the AzureWebJobsStorage__*
# identity settings, so it must go; an empty value in its place is no fix either
# (it breaks host start-up on the .NET 10 host, azure-functions-host 11787). This
# deletes the setting after every apply, with the deployer's Azure CLI login (a
# prerequisite, see README), so only identity-based host storage settings remain.
resource "terraform_data" "remove_host_storage_connection_string" {
  # plantimestamp(): every apply, because any update of the app re-adds it.
  triggers_replace = [azurerm_function_app_flex_consumption.this.id, plantimestamp()]

  provisioner "local-exec" {
    command = "az functionapp config appsettings delete --ids ${azurerm_function_app_flex_consumption.this.id} --setting-names AzureWebJobsStorage --output none"
  }
}

# ---------------------------------------------------------------------------
# What the app's managed identity may do. All data-plane roles, all scoped to
# resources that exist only for this deployment.
# ---------------------------------------------------------------------------

locals {
  function_principal_id = azurerm_function_app_flex_consumption.this.identity[0].principal_id

  function_role_assignments = {
    # Reads the certificate's private key (the PKCS#12 secret behind it).
    key_vault_secrets = {
      scope = azurerm_key_vault.this.id
      role  = "Key Vault Secrets User"
    }
    # Outbox queue trigger (read/delete), poison and dead-letter queues (add).
    storage_queues = {
      scope = azurerm_storage_account.this.id
      role  = "Storage Queue Data Contributor"
    }
    # The send ledger table (read/insert/update rows).
    storage_tables = {
      scope = azurerm_storage_account.this.id
      role  = "Storage Table Data Contributor"
    }
    # Host storage (leases, keys, timers: it creates its own containers) and
    # the deployment package container. Contributor has every blob data action
    # these need; Storage Blob Data Owner only adds POSIX ACL / ownership
    # control, which matters for hierarchical-namespace accounts, and this
    # account has no hierarchical namespace.
    storage_blobs = {
      scope = azurerm_storage_account.this.id
      role  = "Storage Blob Data Contributor"
    }
  }
}

resource "azurerm_role_assignment" "function" {
  for_each = local.function_role_assignments

  scope                = each.value.scope
  role_definition_name = each.value.role
  principal_id         = local.function_principal_id
  principal_type       = "ServicePrincipal"
}
