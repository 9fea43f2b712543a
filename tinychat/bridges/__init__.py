"""Bridges from the assistant to the appliance: MQTT to a broker on the device, framed serial to a microcontroller."""
