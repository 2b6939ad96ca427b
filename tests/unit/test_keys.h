/*
 * Public keys for the unit tests, one of each type relctl accepts, made
 * once with ssh-keygen (their private halves were thrown away).  The two
 * sk- keys are built by hand (a security key cannot be made here):
 * ssh-keygen -l reads them.
 */
#ifndef RELCTL_TEST_KEYS_H
#define RELCTL_TEST_KEYS_H

#define KEY_ED25519 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN8Xtl5INBGcTxrK4Z2htAeXqxqnr4DXD+e4jXuZIeov"
#define KEY_ED25519_FINGERPRINT "SHA256:u8OH8xaOds9fZppFDlz15ZJNP+DCR1G6hcrOCtj/Fh4"
#define KEY_ECDSA256                                                                                           \
	"ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEs7xLXsO7Q73FVL95Cfkz2kI+avNUrT2M2O" \
	"1umnXbrE77xK0bMtK953evvzfc6NhesXT9DapzpAd93MhvcPvnI="
#define KEY_ECDSA384                                                                                           \
	"ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBKfuC8U5P48W6CI2OBHpl9uTGc0EYDEaY+vT" \
	"Z6L91k1ThSXuAcZXW38XyoD/3PsbfYftTpnnUPYbo3fPXP5KO623hTPnX4ICf8369sKzBpHVz1yvfWBE4j71PE/zIPMoDw=="
#define KEY_ECDSA521                                                                                           \
	"ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBACbx22pOhzXS5P5DpWKC//ARfba9DODXrF2" \
	"AsN0MFNAu5oEYKWZf5vfOCLXRrpXSQVgCESfs8Mf4zV3cD4XiOxe2AG5MPkbvSCBT6F2Xv5Z1X9lBxXKuCk1AXhKwZnTTbH6tbjdhUxIGu4oAn" \
	"gJX3IxuwPKxhgmpp56UNAHFRbjAymrKw=="
#define KEY_RSA                                                                                                \
	"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCmj0yovbDJxxoBgM1ek5FttTdkz3Uh67h4DPAqO3MsShxhUJDFyQZJofehae2gViEiE0kUs" \
	"sCc/5U/2l4lSQpmmz7FBnI3fVzU6cNbzJcTDe7xoje1xzD3LbRM2fdyxwZMkXzXyMlhZDAcRJ3nLZze7CNVd85xtMONqlxqPBL8RQ=="
#define KEY_SK_ED25519                                                                                         \
	"sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGh" \
	"scHR4fAAAABHNzaDo="
#define KEY_SK_ECDSA                                                                                           \
	"sk-ecdsa-sha2-nistp256@openssh.com AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20AAAAIbmlzdHAyNTYAAABBBA" \
	"ABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8AAAAEc3NoOg=="

#endif
