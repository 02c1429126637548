#Requires -Version 7.2
#Requires -Modules ExchangeOnlineManagement

<#
.SYNOPSIS
    Limits the graph-mailer app registration to its mailboxes in Exchange Online.

.DESCRIPTION
    The Exchange half of the deployment, which Terraform cannot do. Reads the
    `exchange_scoping` Terraform output (or takes the same values as parameters)
    and, depending on the mode:

    exchange_rbac (recommended)
        1. registers the app's service principal in Exchange (New-ServicePrincipal);
        2. creates a management scope over the allowed mailboxes, either by
           address or by membership of a mail-enabled group (New-ManagementScope);
        3. assigns "Application Mail.Send" and "Application Mail.ReadBasic" (the
           queue's unknown-outcome check searches Sent Items), and "Application
           Mail.ReadWrite" for large attachments, on that scope
           (New-ManagementRoleAssignment);
        4. verifies every mailbox with Test-ServicePrincipalAuthorization.
       Entra ID must NOT hold a tenant-wide Graph Mail.Send grant for the app:
       grants add up, and the scope would restrict nothing. Terraform grants
       none in this mode. Test-ServicePrincipalAuthorization only reports the
       Exchange side, so check "API permissions" in Entra if in doubt.

    access_policy (legacy)
        1. makes sure the mail-enabled security group exists and holds the
           allowed mailboxes (optionally creating it with -CreateScopeGroup);
        2. restricts the app to that group (New-ApplicationAccessPolicy);
        3. verifies every mailbox with Test-ApplicationAccessPolicy.

    SMTP mailboxes (both modes)
        Registers the service principal, assigns "Application SMTP.SendAsApp"
        on a scope holding only the SMTP mailboxes, and enables authenticated
        SMTP on exactly those mailboxes (Set-CASMailbox).

    Every step looks before it changes anything, so the script can be run again
    after a partial failure or a change of mailboxes. Run it with -WhatIf first:
    it then reports what it would change and changes nothing.

    Exchange caches permissions: a new grant can take from 30 minutes to a few
    hours to apply everywhere, even when the tests already report it.

.PARAMETER TerraformOutputFile
    JSON written by `terraform output -json exchange_scoping > infra/terraform/exchange-scoping.json`.

.PARAMETER CreateScopeGroup
    Create the mail-enabled security group named by scope_group when it does not
    exist, and add the allowed mailboxes that are not yet members.

.PARAMETER SkipConnect
    Use the current Exchange Online session instead of calling Connect-ExchangeOnline.

.EXAMPLE
    terraform -chdir=infra/terraform output -json exchange_scoping > infra/terraform/exchange-scoping.json
    ./infra/exchange/Set-GraphMailerMailboxScope.ps1 -TerraformOutputFile infra/terraform/exchange-scoping.json -WhatIf
    ./infra/exchange/Set-GraphMailerMailboxScope.ps1 -TerraformOutputFile infra/terraform/exchange-scoping.json
#>
[CmdletBinding(SupportsShouldProcess = $true, DefaultParameterSetName = 'FromTerraform')]
param(
    [Parameter(Mandatory = $true, ParameterSetName = 'FromTerraform')]
    [string] $TerraformOutputFile,

    [Parameter(Mandatory = $true, ParameterSetName = 'Explicit')]
    [ValidateSet('exchange_rbac', 'access_policy')]
    [string] $Mode,

    [Parameter(Mandatory = $true, ParameterSetName = 'Explicit')]
    [string] $AppId,

    [Parameter(Mandatory = $true, ParameterSetName = 'Explicit')]
    [string] $ServicePrincipalObjectId,

    [Parameter(ParameterSetName = 'Explicit')]
    [string] $DisplayName = 'graph-mailer-sender',

    [Parameter(Mandatory = $true, ParameterSetName = 'Explicit')]
    [string[]] $Mailboxes,

    [Parameter(ParameterSetName = 'Explicit')]
    [string[]] $SmtpMailboxes = @(),

    [Parameter(ParameterSetName = 'Explicit')]
    [string] $ScopeGroup,

    [Parameter(ParameterSetName = 'Explicit')]
    [switch] $IncludeMailReadWrite,

    [Parameter(ParameterSetName = 'Explicit')]
    [string] $TenantId,

    [switch] $CreateScopeGroup,

    [switch] $SkipConnect
)

Set-StrictMode -Version 1.0
$ErrorActionPreference = 'Stop'

# ---------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------

if ($PSCmdlet.ParameterSetName -eq 'FromTerraform') {
    $scoping = Get-Content -Raw -LiteralPath $TerraformOutputFile | ConvertFrom-Json
    # Accept both `terraform output -json exchange_scoping` and the whole `terraform output -json`.
    if ($scoping.PSObject.Properties.Name -contains 'exchange_scoping') { $scoping = $scoping.exchange_scoping.value }
    $Mode = $scoping.mode
    $AppId = $scoping.app_id
    $ServicePrincipalObjectId = $scoping.service_principal_object_id
    $DisplayName = $scoping.display_name
    $Mailboxes = @($scoping.mailboxes)
    $SmtpMailboxes = @($scoping.smtp_mailboxes | Where-Object { $_ })
    $ScopeGroup = $scoping.scope_group
    $IncludeMailReadWrite = [bool] $scoping.include_mail_read_write
    $TenantId = $scoping.tenant_id
}

if ($Mode -notin @('exchange_rbac', 'access_policy')) { throw "Unknown mode '$Mode'." }
if (-not $Mailboxes -or $Mailboxes.Count -eq 0) { throw 'No mailboxes to scope to.' }
if ($Mode -eq 'access_policy' -and -not $ScopeGroup) {
    throw 'access_policy mode needs a mail-enabled security group (scope_group / -ScopeGroup).'
}
foreach ($m in $SmtpMailboxes) {
    if ($Mailboxes -notcontains $m) { throw "SMTP mailbox $m is not among the allowed mailboxes." }
}

# Names of the Exchange objects this script owns: stable, so reruns find them.
$shortId = $AppId.Substring(0, 8)
$scopeName = "graph-mailer-$shortId-mailboxes"
$smtpScopeName = "graph-mailer-$shortId-smtp"

$script:changes = 0
$script:cmdlet = $PSCmdlet
# Every change goes through ShouldProcess, so -WhatIf (and -Confirm) cover all of them.
function Invoke-Change([string] $Target, [string] $Action, [scriptblock] $Change) {
    if ($script:cmdlet.ShouldProcess($Target, $Action)) {
        & $Change
        $script:changes++
    }
}

# ---------------------------------------------------------------------------
# Helpers, each "look, then change only if needed"
# ---------------------------------------------------------------------------

function Connect-IfNeeded {
    if ($SkipConnect) { return }
    $connected = Get-ConnectionInformation -ErrorAction SilentlyContinue |
        Where-Object { $_.State -eq 'Connected' -and $_.TokenStatus -eq 'Active' }
    if (-not $connected) { Connect-ExchangeOnline -ShowBanner:$false }
}

function Assert-Tenant {
    if (-not $TenantId) { return }
    $info = Get-ConnectionInformation -ErrorAction SilentlyContinue | Where-Object { $_.State -eq 'Connected' } | Select-Object -First 1
    if ($info -and $info.TenantID -and $info.TenantID -ne $TenantId) {
        throw "Connected to tenant $($info.TenantID), but the app registration lives in $TenantId."
    }
}

function Assert-RoleExists([string] $RoleName) {
    if (-not (Get-ManagementRole -Identity $RoleName -ErrorAction SilentlyContinue)) {
        throw "The Exchange role '$RoleName' does not exist in this tenant. RBAC for Applications (or, for SMTP, its SMTP.SendAsApp role) may not be available yet; grant access per mailbox instead and rerun without it."
    }
}

function Confirm-ServicePrincipal {
    $existing = Get-ServicePrincipal -Identity $AppId -ErrorAction SilentlyContinue
    if ($existing) {
        if ($existing.ObjectId -ne $ServicePrincipalObjectId) {
            throw "Exchange already has a service principal for app $AppId with object id $($existing.ObjectId), not $ServicePrincipalObjectId."
        }
        Write-Host "Service principal for $AppId already registered in Exchange."
        return
    }
    Invoke-Change $DisplayName 'New-ServicePrincipal' {
        New-ServicePrincipal -AppId $AppId -ObjectId $ServicePrincipalObjectId -DisplayName $DisplayName | Out-Null
    }
}

function Get-GroupDistinguishedName([string] $Group) {
    $g = Get-DistributionGroup -Identity $Group -ErrorAction SilentlyContinue
    if ($g) { return $g.DistinguishedName }
    return $null
}

function Confirm-ScopeGroup([string[]] $Members) {
    $group = Get-DistributionGroup -Identity $ScopeGroup -ErrorAction SilentlyContinue
    if (-not $group) {
        if (-not $CreateScopeGroup) {
            throw "Group $ScopeGroup does not exist. Create a mail-enabled security group with the allowed mailboxes, or rerun with -CreateScopeGroup."
        }
        $alias = ($ScopeGroup -split '@')[0]
        Invoke-Change $ScopeGroup 'New-DistributionGroup -Type Security' {
            New-DistributionGroup -Name $alias -Alias $alias -PrimarySmtpAddress $ScopeGroup -Type Security -Members $Members | Out-Null
        }
        return
    }
    if ($group.RecipientTypeDetails -ne 'MailUniversalSecurityGroup') {
        Write-Warning "$ScopeGroup is a $($group.RecipientTypeDetails); application access policies need a mail-enabled security group."
    }
    $current = @(Get-DistributionGroupMember -Identity $ScopeGroup -ResultSize Unlimited | ForEach-Object { "$($_.PrimarySmtpAddress)".ToLowerInvariant() })
    foreach ($m in $Members) {
        if ($current -notcontains $m.ToLowerInvariant()) {
            if (-not $CreateScopeGroup) {
                Write-Warning "$m is not a member of $ScopeGroup; the app will not be able to send as it (rerun with -CreateScopeGroup to add it)."
                continue
            }
            Invoke-Change $ScopeGroup "Add-DistributionGroupMember $m" {
                Add-DistributionGroupMember -Identity $ScopeGroup -Member $m
            }
        }
    }
}

function Get-AddressFilter([string[]] $Addresses) {
    # One clause per mailbox: PrimarySmtpAddress -eq 'a@x' -or PrimarySmtpAddress -eq 'b@x'
    ($Addresses | ForEach-Object { "PrimarySmtpAddress -eq '$($_ -replace "'", "''")'" }) -join ' -or '
}

# Exchange stores filters in its own spelling; compare without case, brackets and spaces.
function ConvertTo-FilterKey([string] $Filter) {
    ($Filter -replace '[\s()]', '').ToLowerInvariant()
}

function Confirm-ManagementScope([string] $Name, [string] $Filter) {
    $existing = Get-ManagementScope -Identity $Name -ErrorAction SilentlyContinue
    if (-not $existing) {
        Invoke-Change $Name "New-ManagementScope ($Filter)" {
            New-ManagementScope -Name $Name -RecipientRestrictionFilter $Filter | Out-Null
        }
    } elseif ((ConvertTo-FilterKey $existing.RecipientFilter) -ne (ConvertTo-FilterKey $Filter)) {
        Invoke-Change $Name "Set-ManagementScope ($Filter)" {
            Set-ManagementScope -Identity $Name -RecipientRestrictionFilter $Filter
        }
    } else {
        Write-Host "Management scope $Name is up to date."
    }
}

function Confirm-RoleAssignment([string] $Role, [string] $ScopeName) {
    Assert-RoleExists $Role
    $name = "graph-mailer-$shortId-$($Role -replace '^Application ', '' -replace '[^A-Za-z0-9]', '')"
    $existing = Get-ManagementRoleAssignment -Identity $name -ErrorAction SilentlyContinue
    if ($existing) {
        if ($existing.CustomResourceScope -ne $ScopeName) {
            Invoke-Change $name "Set-ManagementRoleAssignment -CustomResourceScope $ScopeName" {
                Set-ManagementRoleAssignment -Identity $name -CustomResourceScope $ScopeName
            }
        } else {
            Write-Host "Role assignment $name ($Role on $ScopeName) exists."
        }
        return
    }
    Invoke-Change $name "New-ManagementRoleAssignment -Role '$Role' -CustomResourceScope $ScopeName" {
        New-ManagementRoleAssignment -Name $name -Role $Role -App $ServicePrincipalObjectId -CustomResourceScope $ScopeName | Out-Null
    }
}

function Confirm-SmtpClientAuthentication([string] $Mailbox) {
    $cas = Get-CASMailbox -Identity $Mailbox
    if ($cas.SmtpClientAuthenticationDisabled -eq $false) {
        Write-Host "Authenticated SMTP already enabled for $Mailbox."
        return
    }
    Invoke-Change $Mailbox 'Set-CASMailbox -SmtpClientAuthenticationDisabled $false' {
        Set-CASMailbox -Identity $Mailbox -SmtpClientAuthenticationDisabled $false
    }
}

function Confirm-ApplicationAccessPolicy {
    $groupDn = Get-GroupDistinguishedName $ScopeGroup
    $existing = Get-ApplicationAccessPolicy -ErrorAction SilentlyContinue | Where-Object { $_.AppId -eq $AppId }
    $matching = $existing | Where-Object { $_.AccessRight -eq 'RestrictAccess' -and ($_.ScopeName -eq $ScopeGroup -or $_.ScopeIdentity -eq $groupDn -or $_.ScopeIdentityRaw -like "*$ScopeGroup*") }
    if ($matching) {
        Write-Host "Application access policy for $AppId on $ScopeGroup exists."
        return
    }
    if ($existing) {
        Write-Warning "App $AppId already has other access policies: $(($existing | ForEach-Object Identity) -join ', ')."
    }
    Invoke-Change $ScopeGroup "New-ApplicationAccessPolicy -AccessRight RestrictAccess" {
        New-ApplicationAccessPolicy -AppId $AppId -PolicyScopeGroupId $ScopeGroup -AccessRight RestrictAccess -Description 'graph-mailer: send only as the members of this group' | Out-Null
    }
}

# ---------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------

function Test-RbacScope([string[]] $Targets, [string[]] $Roles) {
    $failures = @()
    foreach ($mailbox in $Targets) {
        $results = @(Test-ServicePrincipalAuthorization -Identity $AppId -Resource $mailbox)
        foreach ($role in $Roles) {
            $hit = $results | Where-Object { $_.RoleName -eq $role }
            if (-not $hit -or -not ($hit | Where-Object { $_.InScope })) { $failures += "$mailbox ($role)" }
        }
    }
    return $failures
}

function Test-AccessPolicy([string[]] $Targets) {
    $failures = @()
    foreach ($mailbox in $Targets) {
        $r = Test-ApplicationAccessPolicy -Identity $mailbox -AppId $AppId
        if ($r.AccessCheckResult -ne 'Granted') { $failures += $mailbox }
    }
    return $failures
}

# ---------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------

Connect-IfNeeded
Assert-Tenant

if ($Mode -eq 'exchange_rbac') {
    Confirm-ServicePrincipal
    if ($ScopeGroup) {
        Confirm-ScopeGroup $Mailboxes
        $dn = Get-GroupDistinguishedName $ScopeGroup
        $filter = if ($dn) { "MemberOfGroup -eq '$($dn -replace "'", "''")'" } else { $null }
        if (-not $filter -and -not $WhatIfPreference) { throw "Group $ScopeGroup was not found after creating it; rerun in a minute." }
    } else {
        $filter = Get-AddressFilter $Mailboxes
    }
    if ($filter) { Confirm-ManagementScope $scopeName $filter }
    $roles = @('Application Mail.Send', 'Application Mail.ReadBasic')
    if ($IncludeMailReadWrite) { $roles += 'Application Mail.ReadWrite' }
    foreach ($role in $roles) { Confirm-RoleAssignment $role $scopeName }
} else {
    Confirm-ScopeGroup $Mailboxes
    Confirm-ApplicationAccessPolicy
}

if ($SmtpMailboxes.Count -gt 0) {
    Confirm-ServicePrincipal
    Confirm-ManagementScope $smtpScopeName (Get-AddressFilter $SmtpMailboxes)
    Confirm-RoleAssignment 'Application SMTP.SendAsApp' $smtpScopeName
    foreach ($m in $SmtpMailboxes) { Confirm-SmtpClientAuthentication $m }
}

if ($WhatIfPreference) {
    Write-Host 'WhatIf: nothing was changed, so nothing is verified.'
    return
}

$failed = @()
if ($Mode -eq 'exchange_rbac') {
    $failed += Test-RbacScope $Mailboxes $roles
} else {
    $failed += Test-AccessPolicy $Mailboxes
}
if ($SmtpMailboxes.Count -gt 0) { $failed += Test-RbacScope $SmtpMailboxes @('Application SMTP.SendAsApp') }

if ($failed.Count -gt 0) {
    Write-Warning "Not (yet) in scope: $($failed -join ', '). New grants can take a while to show; rerun the script later to verify again."
    exit 1
}
Write-Host "Done: $($script:changes) change(s); every mailbox verified for app $AppId ($Mode)."
