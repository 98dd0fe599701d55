// minesweep's built-in rules for the persistence and evasion that mining worms script: WMI event subscriptions,
// scheduled tasks that download, scriptlets fetched by regsvr32, forced DNS servers and hosts-file takeovers.

rule MSW_WMI_Event_Subscription_Script
{
    meta:
        description = "Creates a WMI event subscription (filter, consumer, binding) — MyKings 'fuckyoumm', WannaMine, LemonDuck persistence"
        author = "minesweep"
        attack = "T1546.003"
        severity = "high"
    strings:
        $f = "__EventFilter" ascii wide nocase
        $c1 = "CommandLineEventConsumer" ascii wide nocase
        $c2 = "ActiveScriptEventConsumer" ascii wide nocase
        $b = "__FilterToConsumerBinding" ascii wide nocase
        $ns = "root\\subscription" ascii wide nocase
    condition:
        $f and (any of ($c*) or $b or $ns)
}

rule MSW_Scriptlet_Download_Regsvr32
{
    meta:
        description = "regsvr32 /i:URL scrobj.dll — a remote scriptlet run by a signed binary (Squiblydoo)"
        author = "minesweep"
        attack = "T1218.010"
        severity = "high"
    strings:
        $s = "scrobj.dll" ascii wide nocase
        $r = /regsvr32(\.exe)?[^\r\n]{0,64}\/i:[^\r\n]{0,8}(https?|ftp):\/\//i ascii wide
    condition:
        $s and $r
}

rule MSW_Scheduled_Task_Downloader
{
    meta:
        description = "Creates a scheduled task whose action downloads or runs a remote script"
        author = "minesweep"
        attack = "T1053.005"
        severity = "medium"
    strings:
        $t = /schtasks(\.exe)?\s+\/create/i ascii wide
        $d1 = "http://" ascii wide nocase
        $d2 = "ftp " ascii wide nocase
        $d3 = "ftp -s:" ascii wide nocase
        $d4 = "DownloadString" ascii wide nocase
        $d5 = "bitsadmin" ascii wide nocase
        $d6 = "certutil" ascii wide nocase
        $d7 = "mshta" ascii wide nocase
        $d8 = "regsvr32" ascii wide nocase
    condition:
        $t and any of ($d*)
}

rule MSW_DNS_Servers_Forced
{
    meta:
        description = "Forces the host's DNS servers from a script or binary (MyKings set 223.5.5.5 and 8.8.8.8)"
        author = "minesweep"
        attack = "T1565.001"
        severity = "medium"
    strings:
        $n1 = /netsh[^\r\n]{0,40}(set|add)\s+dns/i ascii wide
        $n2 = "SetDNSServerSearchOrder" ascii wide nocase
        $n3 = /Tcpip\\Parameters\\Interfaces[^\r\n]{0,80}NameServer/i ascii wide
        $ip = /\b(223\.5\.5\.5|223\.6\.6\.6|8\.8\.8\.8|114\.114\.114\.114)\b/ ascii wide
    condition:
        any of ($n*) and $ip
}

rule MSW_Hosts_File_Write
{
    meta:
        description = "Writes the hosts file (to block security vendors or competing pools, or to redirect a domain)"
        author = "minesweep"
        attack = "T1565.001"
        severity = "medium"
    strings:
        $w1 = /(>>?|Add-Content|Set-Content|Out-File|echo)[^\r\n]{0,120}drivers\\etc\\hosts/i ascii wide
        $w2 = /(>>?|tee)[^\r\n]{0,40}\/etc\/hosts\b/ ascii
    condition:
        any of them
}
