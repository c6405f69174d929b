#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/bench/make_review.py: a synthetic review for whole-process benchmarks (issue 24).
# Usage: make_review.py MEMBERS [SIZE_PT] > review.xml
# Every member is English, by post, with their own name and address, at SIZE_PT (default 16)
# points, so the notification letter runs to about six pages. All names are invented; phone
# numbers are Ofcom drama numbers, domains are .example.
import sys

n = int(sys.argv[1])
size = sys.argv[2] if len(sys.argv) > 2 else "16"
given = ["Anna", "Kacper", "Ewa", "Tom", "Priya", "Omar", "Jas"]
rel = ["aunt", "uncle", "grandmother", "grandfather", "carer"]
gender = ["female", "male", "female", "male", "other"]
agencies = ["Northshire Children's Social Care", "Northtown Hospital", "Northshire Police",
            "Northtown Primary Care Network", "Northshire Education Service",
            "Northshire Youth Justice Service", "Northtown Housing Association",
            "North Ambulance Service", "Northshire Mental Health Trust",
            "Northtown Drug and Alcohol Service"]
out = [f"""<?xml version='1.0' encoding='UTF-8'?>
<review xmlns='urn:kinletter:review:1' id='BENCH-{n}' type='lcspr'>
<partnership><name>Northshire Safeguarding Children Partnership</name>
<address><line>Floor 3, County Hall</line><line>Market Street</line><town>Northtown</town>
<postcode>NT1 4AB</postcode></address><phone>01632 960123</phone>
<email>reviews@northshire-scp.example</email><web>https://northshire-scp.example</web></partnership>
<subject given='Amelia' family='Nowak' gender='female' age='4' outcome='died'/>
<dates decided='2026-11-20' letter='2026-11-27' expected-end='2027-05-28'
 period-from='2025-01-01' period-to='2026-10-31'/>
<reviewer name='Dr Helen Price' role='independent-reviewer'/>
<contact name='Sam Okafor' role='family-contact' phone='01632 960456'
 email='sam.okafor@northshire-scp.example'>
<hours days='mon-thu' from='09:00' to='16:00'/><hours days='fri' from='09:00' to='12:30'/>
</contact>
<agencies>{''.join(f'<agency>{a}</agency>' for a in agencies)}</agencies>
<support><service name='Northshire Bereavement Service' phone='01632 960789'/>
<service name='Family Advocacy North' phone='01632 960321' web='https://advocacy-north.example'/>
</support>
<publication planned='true'/>
<family>
"""]
for i in range(n):
    r = i % 5
    out.append(f"<member id='b{i:05d}' relationship='{rel[r]}' gender='{gender[r]}'>"
               f"<name given='{given[i % 7]}' family='Member{i}'/><language locale='en-GB'/>"
               f"<needs size='{size}'/>"
               f"<contact channel='post'><address><line>{i + 1} Bench Street</line>"
               f"<town>Northtown</town><postcode>NT{1 + i % 9} {i % 10}AB</postcode>"
               f"</address></contact></member>\n")
out.append("</family>\n</review>\n")
sys.stdout.write("".join(out))
