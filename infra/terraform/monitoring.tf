resource "azurerm_log_analytics_workspace" "this" {
  name                = local.log_workspace_name
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  sku                 = "PerGB2018"
  retention_in_days   = var.log_retention_in_days
  tags                = local.tags
}

# graph-mailer's own exporter sends traces and metrics here (README "Telemetry", ADR 0022): the function app gets the
# connection string as APPLICATIONINSIGHTS_CONNECTION_STRING (function.tf, site_config). Local authentication stays
# on, so the connection string's instrumentation key is enough; with it disabled the app must send Entra tokens
# (GRAPH_MAILER_TELEMETRY_ENTRA_AUTH=true) and its identity needs "Monitoring Metrics Publisher" on this resource.
resource "azurerm_application_insights" "this" {
  name                          = local.app_insights_name
  resource_group_name           = azurerm_resource_group.this.name
  location                      = azurerm_resource_group.this.location
  workspace_id                  = azurerm_log_analytics_workspace.this.id
  application_type              = "other"
  local_authentication_disabled = false
  tags                          = local.tags
}
