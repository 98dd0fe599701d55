// minesweep's built-in rules for the mining families in the knowledge base (data/kb). Strings are the families'
// published artefacts (task, WMI and service names, tool names), combined so one common word never fires alone.

rule MSW_MyKings_Artefacts
{
    meta:
        description = "MyKings (Smominru, DarkCloud): its scheduled-task and WMI names with the tools it drops"
        author = "minesweep"
        family = "mykings"
        reference = "https://news.sophos.com/en-us/2020/07/02/mykings-jumps-on-the-corona-train/"
        severity = "critical"
    strings:
        $wmi = "fuckyoumm" ascii wide nocase
        $t1 = /\/tn\s+"?Mysa[0-9]?"?/i ascii wide
        $t2 = /\/tn\s+"?oka?"?\s/i ascii wide
        $d1 = "mykings" ascii wide nocase
        $d2 = "ftp1202" ascii wide nocase
        $f1 = "lsmose.exe" ascii wide nocase
        $f2 = "csrs.exe" ascii wide nocase
        $f3 = "item.dat" ascii wide nocase
        $f4 = "upsupx" ascii wide nocase
    condition:
        $wmi or (any of ($t*) and any of ($d*, $f*)) or ($d1 and any of ($f*)) or 3 of ($f*)
}

rule MSW_EternalBlue_Python_Exploit
{
    meta:
        description = "An MS17-010 (EternalBlue/EternalRomance) exploit in Python, as MyKings and WannaMine bundle with PyInstaller"
        author = "minesweep"
        attack = "T1210"
        severity = "critical"
    strings:
        $a1 = "MS17-010" ascii wide nocase
        $a2 = "eternalblue" ascii wide nocase
        $a3 = "eternalromance" ascii wide nocase
        $a4 = "doublepulsar" ascii wide nocase
        $b1 = "mysmb" ascii wide
        $b2 = "SMB_COM_TRANSACTION2_SECONDARY" ascii wide
        $b3 = "send_trans2_second" ascii wide
        $b4 = "send_nt_trans" ascii wide
        $b5 = "impacket" ascii wide
    condition:
        any of ($a*) and any of ($b*)
}

rule MSW_Linux_Miner_Dropper_Script
{
    meta:
        description = "A Linux miner dropper (Kinsing, TeamTNT, 8220, WatchDog, Sysrv): download, unlock, persist, hide"
        author = "minesweep"
        severity = "high"
    strings:
        $d1 = /(curl|wget)\s[^\r\n]{0,200}(https?:\/\/|\d+\.\d+\.\d+\.\d+)/ ascii
        $d2 = "/dev/tcp/" ascii
        $u1 = "chattr -i" ascii
        $u2 = "chattr -ia" ascii
        $p1 = "crontab" ascii
        $p2 = "/etc/cron" ascii
        $p3 = "authorized_keys" ascii
        $p4 = "ld.so.preload" ascii
        $h1 = "history -c" ascii
        $h2 = "ufw disable" ascii
        $h3 = "setenforce 0" ascii
        $h4 = "nmi_watchdog" ascii
        $h5 = "aliyun" ascii nocase
    condition:
        any of ($d*) and (any of ($u*) or 2 of ($p*)) and any of ($h*, $p*)
}
