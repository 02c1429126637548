terraform {
  # 1.9 is the first release whose variable validations may refer to other
  # variables (used for the scoping-mode inputs below).
  required_version = ">= 1.9.0"

  required_providers {
    # azurerm_function_app_flex_consumption accepts runtime_name = "custom" and,
    # from the end-2025 releases on, maximum_instance_count values below 40
    # (earlier 4.x releases reject them). 4.60 is comfortably past both.
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.60"
    }
    # 3.x: azuread_application uses client_id, azuread_application_identifier_uri
    # exists, and data.azuread_service_principal exposes app_role_ids.
    azuread = {
      source  = "hashicorp/azuread"
      version = "~> 3.7"
    }
    # time_sleep waits for Azure RBAC to propagate before the first data-plane call.
    time = {
      source  = "hashicorp/time"
      version = "~> 0.13"
    }
  }
}

provider "azurerm" {
  # null falls back to ARM_SUBSCRIPTION_ID (azurerm 4.x requires one of the two).
  subscription_id = var.subscription_id

  # The storage account has shared keys disabled, so the provider itself must
  # use Entra ID for the table it creates through the data plane.
  storage_use_azuread = true

  features {
    key_vault {
      # Keep a deleted vault (and the certificate's private key) recoverable.
      purge_soft_delete_on_destroy    = false
      recover_soft_deleted_key_vaults = true
    }

    resource_group {
      prevent_deletion_if_contains_resources = true
    }
  }
}

provider "azuread" {
  tenant_id = var.tenant_id
}
